package session

import (
	"bytes"
	"hash/maphash"
	"sync/atomic"
)

// decodedSlots is the size of a Manager's cache of decoded records (and of
// a SealedManager's of opened cookies): at most that many records, a few
// hundred bytes each with their decoded form, are kept.
const decodedSlots = 4096

// decodedCache keeps the latest records a Manager decoded. A record read
// again unchanged (the same bytes: for an InMemory store, which never
// modifies a stored record, the very same slice) is not decoded again: its
// decoded form is taken from here. The bytes come from the store, not from
// the client, so comparing them in variable time tells a client nothing. A record enters the
// cache when a request that loaded it ends without changing it (a request
// that writes would only add a record nobody reads again). It is a fixed table of
// slots, one entry each, indexed by a hash of the ID: bounded, lock-free,
// and a collision only costs a decode.
type decodedCache struct {
	seed  maphash.Seed
	slots [decodedSlots]atomic.Pointer[decodedEntry]
}

// decodedEntry is one decoded record. Its keys and vals are shared by
// every session loaded from it, which must not change them: Session.own
// copies them before a change.
type decodedEntry struct {
	id  string
	raw []byte // the record as the store returned it
	rec *record
}

func newDecodedCache() *decodedCache { return &decodedCache{seed: maphash.MakeSeed()} }

// get returns the decoded form of raw, the record under id, when the
// cache holds it. The record is shared: it must not be changed.
func (c *decodedCache) get(id string, raw []byte) (*record, bool) {
	if e := c.slot(id).Load(); e != nil && e.id == id && (sameBytes(e.raw, raw) || bytes.Equal(e.raw, raw)) {
		return e.rec, true
	}
	return nil, false
}

// put keeps rec, decoded from raw, the record under id. From then on rec
// is shared: it must not be changed.
func (c *decodedCache) put(id string, raw []byte, rec *record) {
	c.slot(id).Store(&decodedEntry{id: id, raw: raw, rec: rec})
}

func (c *decodedCache) slot(id string) *atomic.Pointer[decodedEntry] {
	return &c.slots[maphash.String(c.seed, id)%decodedSlots]
}

// sameBytes reports whether a and b are the same slice of the same array
// (not merely equal bytes): the same stored record.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}
