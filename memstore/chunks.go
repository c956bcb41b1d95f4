package memstore

// chunkSize is the size of every chunk of off-heap memory a Store takes:
// 1024 entries, or a slab of record blocks.
const chunkSize = 64 << 10

// chunks owns the off-heap memory of one Store: plain bytes, never Go
// pointers, so the garbage collector neither scans nor counts them. They
// are given back by release, when the Store shrinks or becomes
// unreachable (a cleanup registered by New).
type chunks struct {
	mapped [][]byte // from mapChunk, given back with unmapChunk
	heap   int      // chunks that mapChunk could not map and made on the Go heap
}

// alloc returns a new zeroed chunk of chunkSize bytes.
func (c *chunks) alloc() []byte {
	if b, ok := mapChunk(chunkSize); ok {
		c.mapped = append(c.mapped, b)
		return b
	}
	c.heap++
	return make([]byte, chunkSize)
}

// take detaches the chunks allocated so far: the caller releases them
// with releaseAll once nothing refers to them any more.
func (c *chunks) take() [][]byte {
	m := c.mapped
	c.mapped = nil
	return m
}

// release gives every chunk back. Nothing may use them afterwards.
func (c *chunks) release() {
	releaseAll(c.take())
	c.heap = 0
}

// releaseAll unmaps the chunks in m.
func releaseAll(m [][]byte) {
	for _, b := range m {
		unmapChunk(b)
	}
}
