package session

import (
	"encoding/json"
	"hash/maphash"
	"sync/atomic"
)

// openedCache keeps the latest sealed cookies a SealedManager opened and
// left unchanged: a visitor who only reads sends the same cookie again and
// again, and its data is taken from here instead of being decrypted and
// parsed again. It is a fixed table of slots indexed by a keyed hash of the
// cookie value; a lookup compares the whole value in constant time, so
// neither the hash nor the comparison tells anything about a cookie held.
type openedCache struct {
	seed  maphash.Seed
	slots [decodedSlots]atomic.Pointer[openedEntry]
}

// openedEntry is one opened cookie: its data, shared by every session
// loaded from it (Session.own copies before a change), and "__ts".
type openedEntry struct {
	raw  string
	ts   int64
	keys []string
	vals map[string]json.RawMessage
}

func newOpenedCache() *openedCache { return &openedCache{seed: maphash.MakeSeed()} }

// get returns the entry for the cookie value raw, or nil.
func (c *openedCache) get(raw string) *openedEntry {
	if e := c.slot(raw).Load(); e != nil && constantTimeEqual(e.raw, raw) {
		return e
	}
	return nil
}

// put keeps the data opened from raw. keys and vals are shared from then on.
func (c *openedCache) put(raw string, ts int64, keys []string, vals map[string]json.RawMessage) {
	c.slot(raw).Store(&openedEntry{raw: raw, ts: ts, keys: keys, vals: vals})
}

func (c *openedCache) slot(raw string) *atomic.Pointer[openedEntry] {
	return &c.slots[maphash.String(c.seed, raw)%decodedSlots]
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
