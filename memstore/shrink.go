package memstore

import "maps"

// shrinkLocked gives memory back once most sessions are gone: a Go map
// never shrinks, nor does a slice's array, and freed entries and blocks
// stay in their chunks; so when the store holds under a quarter of what
// it was sized for, the records are copied into new maps, heap and
// chunks of the right size (renumbering the entries), and the old chunks
// are unmapped. Readers copy records out under the lock, so none still
// uses the old memory.
func (s *Store) shrinkLocked() {
	n := s.countLocked()
	if s.peak < 1024 || n > s.peak/4 {
		return
	}
	old, oldEnts, oldRecs := s.mem.take(), s.ents, s.recs
	s.ents, s.recs = entryTable{}, slabs{}
	std := idTable{seed: s.std.seed}
	std.resize(tableSize(s.std.n), &s.ents)
	other := make(map[string]uint32, len(s.other))
	otherIDs := make(map[uint32]string, len(s.otherIDs))
	byExp := make([]uint32, 0, n)
	// Copying the heap in order keeps it a heap.
	for p, oi := range s.byExp {
		oe := oldEnts.at(oi)
		i := s.ents.alloc(s.mem)
		e := s.ents.at(i)
		*e = *oe
		e.pos = uint32(p)
		var b []byte
		e.rec, b = s.recs.alloc(s.mem, int(oe.n))
		copy(b, oldRecs.bytes(oe.rec, int(oe.n)))
		if e.flags&otherID == 0 {
			std.put(i, &s.ents)
			std.n++
		} else {
			id := s.otherIDs[oi]
			other[id] = i
			otherIDs[i] = id
		}
		byExp = append(byExp, i)
	}
	s.std, s.other, s.otherIDs, s.byExp, s.peak = std, other, otherIDs, byExp, n
	users := make(map[string]map[string]struct{}, len(s.users))
	maps.Copy(users, s.users)
	s.users = users
	releaseAll(old)
}
