package session

import (
	"bytes"
	"hash/maphash"
	"sync/atomic"
)

// cacheSlots is the size of a Manager's cache of decoded records and of a
// SealedManager's of opened cookies: at most that many records, a few
// hundred bytes each with their decoded form, are kept.
const cacheSlots = 4096

// slotTable is a fixed table of cacheSlots entries indexed by a keyed hash
// of a string: bounded, lock-free, one entry a slot, and a collision only
// costs the work the entry would have saved.
type slotTable[E any] struct {
	seed  maphash.Seed
	slots [cacheSlots]atomic.Pointer[E]
}

func newSlotTable[E any]() *slotTable[E] { return &slotTable[E]{seed: maphash.MakeSeed()} }

// slot returns the slot of key.
func (t *slotTable[E]) slot(key string) *atomic.Pointer[E] {
	return &t.slots[maphash.String(t.seed, key)%cacheSlots]
}

// decodedCache keeps the latest records a Manager decoded, by session ID.
// A record read again unchanged (the same bytes: for an InMemory store,
// which never modifies a stored record, the very same slice, which
// bytes.Equal recognizes at once) is not decoded again: its decoded form
// is taken from here. The bytes come from the store, not from the client,
// so comparing them in variable time tells a client nothing. A record
// enters the cache when a request that loaded it, or patched it, ends
// without changing it further.
type decodedCache struct{ *slotTable[decodedEntry] }

// decodedEntry is one decoded record. Its keys and vals are shared by
// every session loaded from it, which must not change them: Session.own
// copies them before a change.
type decodedEntry struct {
	id  string
	raw []byte // the record as the store returned it
	rec *record
}

func newDecodedCache() decodedCache { return decodedCache{newSlotTable[decodedEntry]()} }

// get returns the decoded form of raw, the record under id, when the
// cache holds it. The record is shared: it must not be changed.
func (c decodedCache) get(id string, raw []byte) (*record, bool) {
	if e := c.slot(id).Load(); e != nil && e.id == id && bytes.Equal(e.raw, raw) {
		return e.rec, true
	}
	return nil, false
}

// put keeps rec, decoded from raw, the record under id. From then on rec
// is shared: it must not be changed.
func (c decodedCache) put(id string, raw []byte, rec *record) {
	c.slot(id).Store(&decodedEntry{id: id, raw: raw, rec: rec})
}
