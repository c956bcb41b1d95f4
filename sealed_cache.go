package session

import (
	"encoding/json"
	"strings"

	"github.com/sessionkit/session/internal/slots"
)

// openedCache keeps the latest sealed cookies a SealedManager opened and
// left unchanged, by cookie value as sent (before percent-decoding, which
// is then skipped too): a visitor who only reads sends the same
// cookie again and again, and its data is taken from here instead of being
// decrypted and parsed again. Its two slots are chosen by a keyed hash and the
// whole value compared in constant time, so neither tells a client
// anything about a cookie held.
type openedCache struct{ *slots.Table[openedEntry] }

// openedEntry is one opened cookie: its data, shared by every session
// loaded from it (Session.own copies before a change), and "__ts".
type openedEntry struct {
	raw  string
	ts   int64
	keys []string
	vals map[string]json.RawMessage
}

func newOpenedCache() openedCache { return openedCache{slots.New[openedEntry](cacheSlots)} }

// get returns the entry for the cookie value raw, or nil.
func (c openedCache) get(raw string) *openedEntry {
	return c.Find(raw, func(e *openedEntry) bool { return constantTimeEqual(e.raw, raw) })
}

// put keeps the data opened from raw. keys and vals are shared from then on.
func (c openedCache) put(raw string, ts int64, keys []string, vals map[string]json.RawMessage) {
	raw = strings.Clone(raw) // not a slice of the request's Cookie header: it may be long
	c.Keep(raw, &openedEntry{raw: raw, ts: ts, keys: keys, vals: vals}, func(e *openedEntry) bool { return e.raw == raw })
}

// constantTimeEqual reports whether a and b are equal, in a time that
// depends on their lengths only.
func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
