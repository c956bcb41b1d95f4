package session

import (
	"bytes"

	"github.com/sessionkit/session/internal/slots"
)

// cacheSlots is the size of a Manager's caches of decoded records and of
// verified tokens, and of a SealedManager's of opened cookies: at most
// that many entries, a few hundred bytes each, are kept.
const cacheSlots = 4096

// decodedCache keeps the latest records a Manager decoded, by session ID.
// A record read again unchanged (the same bytes, compared with
// bytes.Equal) is not decoded again: its decoded form
// is taken from here. The bytes come from the store, not from the client,
// so comparing them in variable time tells a client nothing. A record
// enters the cache when a request that loaded it, or patched it, ends
// without changing it further.
type decodedCache struct{ *slots.Table[decodedEntry] }

// decodedEntry is one decoded record. Its keys and vals are shared by
// every session loaded from it, which must not change them: Session.own
// copies them before a change.
type decodedEntry struct {
	id  string
	raw []byte // the record as the store returned it
	rec *record
}

func newDecodedCache() decodedCache { return decodedCache{slots.New[decodedEntry](cacheSlots)} }

// get returns the decoded form of raw, the record under id, when the
// cache holds it. The record is shared: it must not be changed.
func (c decodedCache) get(id string, raw []byte) (*record, bool) {
	if e := c.Find(id, func(e *decodedEntry) bool { return e.id == id && bytes.Equal(e.raw, raw) }); e != nil {
		return e.rec, true
	}
	return nil, false
}

// put keeps rec, decoded from raw, the record under id. From then on rec
// is shared: it must not be changed.
func (c decodedCache) put(id string, raw []byte, rec *record) {
	c.Keep(id, &decodedEntry{id: id, raw: raw, rec: rec}, func(e *decodedEntry) bool { return e.id == id })
}
