package memstore

import "encoding/binary"

// blockSizes are the size classes of record blocks. A record's bytes
// take the smallest block they fit in; larger ones go on the Go heap.
var blockSizes = [...]int{
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
	5120, 6144, 7168, 8192,
}

// maxBlock is the largest block size.
const maxBlock = 8192

// A block reference holds its size class in its top bits and its number
// within the class below. bigRef marks a record kept on the Go heap.
const (
	classShift = 26
	blockMask  = 1<<classShift - 1
	bigRef     = 63 << classShift
	noBlock    = 0 // no block, for the empty record (block numbers count from 1)
)

// classOf[(n+15)/16] is the size class of n bytes.
var classOf = func() (t [maxBlock/16 + 1]uint8) {
	c := 0
	for i := range t {
		for blockSizes[c] < i*16 {
			c++
		}
		t[i] = uint8(c)
	}
	return t
}()

// slabs keeps the records' bytes in blocks of fixed sizes carved from
// off-heap chunks, with a free list a class, threaded through the free
// blocks' first four bytes.
type slabs struct {
	class   [len(blockSizes)]slabClass
	big     [][]byte // records over maxBlock, on the Go heap
	bigFree []uint32 // free slots of big
}

type slabClass struct {
	chunks [][]byte
	free   uint32 // the first free block + 1; 0 for none
	used   uint32 // blocks ever handed out: the next new one
}

// alloc returns a block for n bytes and its first n bytes. A zero-length
// record takes no block.
func (s *slabs) alloc(mem *chunks, n int) (uint32, []byte) {
	if n == 0 {
		return noBlock, nil
	}
	if n > maxBlock {
		b := make([]byte, n)
		if k := len(s.bigFree); k > 0 {
			i := s.bigFree[k-1]
			s.bigFree = s.bigFree[:k-1]
			s.big[i] = b
			return bigRef | i, b
		}
		s.big = append(s.big, b)
		return bigRef | uint32(len(s.big)-1), b
	}
	ci := classOf[(n+15)/16]
	c := &s.class[ci]
	size := blockSizes[ci]
	var i uint32
	if c.free != 0 {
		i = c.free - 1
		c.free = binary.LittleEndian.Uint32(c.block(i, size))
	} else {
		i = c.used
		if int(i)/(chunkSize/size) == len(c.chunks) {
			c.chunks = append(c.chunks, mem.alloc())
		}
		c.used++
	}
	// Block 0 of class 0 would be noBlock: references count from 1.
	return uint32(ci)<<classShift | (i + 1), c.block(i, size)[:n]
}

// bytes returns the n bytes of block ref.
func (s *slabs) bytes(ref uint32, n int) []byte {
	if ref == noBlock {
		return nil
	}
	if ref&^blockMask == bigRef {
		return s.big[ref&blockMask][:n]
	}
	ci := ref >> classShift
	return s.class[ci].block(ref&blockMask-1, blockSizes[ci])[:n]
}

// release puts block ref back on its free list.
func (s *slabs) release(ref uint32) {
	if ref == noBlock {
		return
	}
	if ref&^blockMask == bigRef {
		i := ref & blockMask
		s.big[i] = nil
		s.bigFree = append(s.bigFree, i)
		return
	}
	ci := ref >> classShift
	c := &s.class[ci]
	i := ref&blockMask - 1
	binary.LittleEndian.PutUint32(c.block(i, blockSizes[ci]), c.free)
	c.free = i + 1
}

// block returns block i of this class, size bytes.
func (c *slabClass) block(i uint32, size int) []byte {
	per := uint32(chunkSize / size)
	off := int(i%per) * size
	return c.chunks[i/per][off : off+size : off+size]
}
