package session

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"sync/atomic"
)

// cacheSlots is the size of a Manager's cache of decoded records and of a
// SealedManager's of opened cookies: at most that many records, a few
// hundred bytes each with their decoded form, are kept.
const cacheSlots = 4096

// slotTable is a fixed table of cacheSlots entries: bounded, lock-free,
// one entry a slot. An entry for a key may be in either of two slots
// chosen by a keyed hash of the key; with two choices, keys rarely evict
// each other while the table is under a third full (1,000 keys in 4,096
// slots: about 11 % evicted by a later key with one choice, about 2 %
// with two), and an eviction only costs the work the entry would have
// saved.
type slotTable[E any] struct {
	seed  maphash.Seed
	slots [cacheSlots]atomic.Pointer[E]
}

func newSlotTable[E any]() *slotTable[E] { return &slotTable[E]{seed: maphash.MakeSeed()} }

// pair returns the two slots of key.
func (t *slotTable[E]) pair(key string) (a, b *atomic.Pointer[E]) {
	h := maphash.String(t.seed, key)
	return &t.slots[h%cacheSlots], &t.slots[(h>>32)%cacheSlots]
}

// find returns the entry in key's slots that match accepts, or nil.
func (t *slotTable[E]) find(key string, match func(*E) bool) *E {
	a, b := t.pair(key)
	if e := a.Load(); e != nil && match(e) {
		return e
	}
	if e := b.Load(); e != nil && match(e) {
		return e
	}
	return nil
}

// keep puts e in one of key's slots: the one holding an entry for the
// same key (as same reports), else an empty one, else either at random.
func (t *slotTable[E]) keep(key string, e *E, same func(*E) bool) {
	a, b := t.pair(key)
	ea, eb := a.Load(), b.Load()
	switch {
	case ea != nil && same(ea):
	case eb != nil && same(eb):
		a = b
	case ea == nil:
	case eb == nil || rand.N(2) == 1:
		a = b
	}
	a.Store(e)
}

// decodedCache keeps the latest records a Manager decoded, by session ID.
// A record read again unchanged (the same bytes, compared with
// bytes.Equal) is not decoded again: its decoded form
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
	if e := c.find(id, func(e *decodedEntry) bool { return e.id == id && bytes.Equal(e.raw, raw) }); e != nil {
		return e.rec, true
	}
	return nil, false
}

// put keeps rec, decoded from raw, the record under id. From then on rec
// is shared: it must not be changed.
func (c decodedCache) put(id string, raw []byte, rec *record) {
	c.keep(id, &decodedEntry{id: id, raw: raw, rec: rec}, func(e *decodedEntry) bool { return e.id == id })
}
