package redisstore

import (
	"hash/maphash"
	"sync/atomic"
)

// guessSlots is the size of a Store's table of last-written records.
const guessSlots = 1024

// lastWritten remembers, for up to guessSlots keys, the record this Store
// last wrote there, so that Patch can apply its patches to it rather than
// to the record the session was loaded with. When many requests of one
// session run at once, the record they loaded is usually stale by the
// time they patch it (another of them has written since), and a
// compare-and-set on a stale base costs a second round trip; the record
// this process wrote last is what Redis still holds unless another
// process wrote since. A wrong guess costs what a stale base did before:
// the compare-and-set fails and returns the stored record. Slots are
// chosen by a keyed hash; two keys sharing one slot only evict each
// other.
type lastWritten struct {
	seed  maphash.Seed
	slots [guessSlots]atomic.Pointer[written]
}

type written struct {
	key    string
	record []byte
}

func newLastWritten() *lastWritten { return &lastWritten{seed: maphash.MakeSeed()} }

func (l *lastWritten) slot(key string) *atomic.Pointer[written] {
	return &l.slots[maphash.String(l.seed, key)%guessSlots]
}

// get returns the record last written under key, or nil when there is
// none remembered.
func (l *lastWritten) get(key string) []byte {
	if w := l.slot(key).Load(); w != nil && w.key == key {
		return w.record
	}
	return nil
}

// put remembers record as written under key; a nil record forgets key.
// The record must not be modified afterwards.
func (l *lastWritten) put(key string, record []byte) {
	s := l.slot(key)
	if record == nil {
		if w := s.Load(); w != nil && w.key == key {
			s.CompareAndSwap(w, nil)
		}
		return
	}
	s.Store(&written{key: key, record: record})
}
