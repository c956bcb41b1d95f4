//go:build !unix

package memstore

// mapChunk reports false: without mmap, chunks are made on the Go heap.
func mapChunk(int) ([]byte, bool) { return nil, false }

// unmapChunk does nothing: mapChunk maps nothing.
func unmapChunk([]byte) {}
