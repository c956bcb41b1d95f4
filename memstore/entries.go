package memstore

import "unsafe"

// entry is the metadata of one record, kept off the Go heap: it holds no
// pointer, only numbers. With 100,000 sessions every byte here is 100 KB.
type entry struct {
	id      [idLen]byte // the decoded ID, for a standard one (flags&otherID == 0)
	expires int64       // Unix nanoseconds
	ver     uint64      // the write that stored the record: Store.writes then
	pos     uint32      // position in Store.byExp; the next free entry when free
	rec     uint32      // the record's block (slabs)
	n       uint32      // the length of that block's bytes
	tmpl    uint32      // the record's cookie template, 0 for none
	expLen  uint16      // the length of the cookie's expires value, first in the block
	flags   uint8
	_       uint8
}

const (
	otherID uint8 = 1 << iota // the ID is not a standard one: see Store.otherIDs
	hasUser                   // the record has a user signed in (Store.users)
)

// entriesPerChunk is how many entries a chunk holds: exactly, as the
// assertion below checks (an entry is 64 bytes).
const entriesPerChunk = 1024

var _ = [1]int{}[chunkSize-entriesPerChunk*int(unsafe.Sizeof(entry{}))]

// entryTable holds entries in off-heap chunks, addressed by index, with a
// free list threaded through the free entries' pos.
type entryTable struct {
	chunks []*[entriesPerChunk]entry
	free   uint32 // the first free entry + 1; 0 for none
	used   uint32 // entries ever handed out: the next new index
}

// at returns entry i.
func (t *entryTable) at(i uint32) *entry {
	return &t.chunks[i/entriesPerChunk][i%entriesPerChunk]
}

// alloc returns the index of a free entry, zeroed, taking a chunk from
// mem when none is left.
func (t *entryTable) alloc(mem *chunks) uint32 {
	if t.free != 0 {
		i := t.free - 1
		e := t.at(i)
		t.free = e.pos
		*e = entry{}
		return i
	}
	i := t.used
	if int(i/entriesPerChunk) == len(t.chunks) {
		c := mem.alloc()
		t.chunks = append(t.chunks, (*[entriesPerChunk]entry)(unsafe.Pointer(unsafe.SliceData(c))))
	}
	t.used++
	return i
}

// release puts entry i on the free list.
func (t *entryTable) release(i uint32) {
	e := t.at(i)
	*e = entry{pos: t.free}
	t.free = i + 1
}
