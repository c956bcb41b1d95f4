// Package slots is a bounded, lock-free table of entries keyed by string:
// the caches of the session Manager and the Redis store's record of what
// it last wrote. A table has a fixed number of slots, one entry each; an
// entry for a key may be in either of two slots chosen by a keyed hash of
// the key. With two choices keys rarely evict each other while the table
// is under a third full (1,000 keys in 4,096 slots: about 11 % evicted by
// a later key with one choice, about 2 % with two), and an eviction only
// costs the work the entry would have saved. The hash is keyed per table,
// so a client cannot choose keys that collide.
package slots

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
)

// Table holds entries of type E. It is safe for concurrent use.
type Table[E any] struct {
	seed  maphash.Seed
	mask  uint64
	slots []atomic.Pointer[E]
}

// New returns an empty table of n slots, n rounded up to a power of two.
func New[E any](n int) *Table[E] {
	size := 1 << bits.Len(uint(max(n, 2)-1))
	return &Table[E]{seed: maphash.MakeSeed(), mask: uint64(size - 1), slots: make([]atomic.Pointer[E], size)}
}

// Pair returns the two slots of key.
func (t *Table[E]) Pair(key string) (a, b *atomic.Pointer[E]) {
	h := maphash.String(t.seed, key)
	return &t.slots[h&t.mask], &t.slots[(h>>32)&t.mask]
}

// Find returns the entry in key's slots that match accepts, or nil.
func (t *Table[E]) Find(key string, match func(*E) bool) *E {
	a, b := t.Pair(key)
	if e := a.Load(); e != nil && match(e) {
		return e
	}
	if e := b.Load(); e != nil && match(e) {
		return e
	}
	return nil
}

// Keep puts e in one of key's slots: the one holding an entry for the
// same key (as same reports), else an empty one, else either at random.
func (t *Table[E]) Keep(key string, e *E, same func(*E) bool) {
	a, b := t.Pair(key)
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

// Drop empties the slots of key that hold an entry for it (as same
// reports), unless another entry has replaced it meanwhile.
func (t *Table[E]) Drop(key string, same func(*E) bool) {
	a, b := t.Pair(key)
	for _, s := range [2]*atomic.Pointer[E]{a, b} {
		if e := s.Load(); e != nil && same(e) {
			s.CompareAndSwap(e, nil)
		}
	}
}
