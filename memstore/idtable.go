package memstore

import (
	"hash/maphash"
	"math/bits"
)

// idTable files entries by their standard ID: an open-addressing table
// of entry indexes (+1; 0 is an empty slot), probed linearly, at most
// half full. The IDs themselves are in the entries, so the table costs
// a few bytes a session and holds no pointer.
type idTable struct {
	slots []uint32 // a power of two of them, or none
	n     int
	seed  maphash.Seed
}

func newIDTable() idTable { return idTable{seed: maphash.MakeSeed()} }

// home returns the slot where the probe for k starts.
func (t *idTable) home(k *[idLen]byte) int {
	return int(maphash.Bytes(t.seed, k[:]) & uint64(len(t.slots)-1))
}

// find returns the slot holding the entry of k, or -1.
func (t *idTable) find(k *[idLen]byte, ents *entryTable) int {
	if t.n == 0 {
		return -1
	}
	mask := len(t.slots) - 1
	for p := t.home(k); ; p = (p + 1) & mask {
		v := t.slots[p]
		if v == 0 {
			return -1
		}
		if ents.at(v-1).id == *k {
			return p
		}
	}
}

// get returns the entry of k.
func (t *idTable) get(k *[idLen]byte, ents *entryTable) (uint32, bool) {
	if p := t.find(k, ents); p >= 0 {
		return t.slots[p] - 1, true
	}
	return 0, false
}

// add files entry i, whose ID is not in the table yet.
func (t *idTable) add(i uint32, ents *entryTable) {
	if 2*(t.n+1) > len(t.slots) {
		t.resize(max(16, 2*len(t.slots)), ents)
	}
	t.put(i, ents)
	t.n++
}

// put files entry i in the first empty slot of its probe.
func (t *idTable) put(i uint32, ents *entryTable) {
	mask := len(t.slots) - 1
	p := t.home(&ents.at(i).id)
	for t.slots[p] != 0 {
		p = (p + 1) & mask
	}
	t.slots[p] = i + 1
}

// resize moves the entries into a table of size slots.
func (t *idTable) resize(size int, ents *entryTable) {
	old := t.slots
	t.slots = make([]uint32, size)
	for _, v := range old {
		if v != 0 {
			t.put(v-1, ents)
		}
	}
}

// remove unfiles the entry of k, shifting back the entries probed past
// its slot so that no probe meets a gap before its entry.
func (t *idTable) remove(k *[idLen]byte, ents *entryTable) {
	p := t.find(k, ents)
	if p < 0 {
		return
	}
	mask := len(t.slots) - 1
	for q := (p + 1) & mask; t.slots[q] != 0; q = (q + 1) & mask {
		h := t.home(&ents.at(t.slots[q] - 1).id)
		// The entry at q stays when its home is cyclically in (p, q].
		if p <= q && p < h && h <= q || p > q && (p < h || h <= q) {
			continue
		}
		t.slots[p] = t.slots[q]
		p = q
	}
	t.slots[p] = 0
	t.n--
}

// tableSize returns the number of slots for n entries: a power of two,
// at least twice n.
func tableSize(n int) int {
	return max(16, 1<<bits.Len(uint(2*n-1)))
}
