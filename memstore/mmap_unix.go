//go:build unix

package memstore

import "syscall"

// mapChunk returns n bytes of zeroed anonymous memory outside the Go
// heap, or false when the system refuses.
func mapChunk(n int) ([]byte, bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	return b, true
}

// unmapChunk gives back memory from mapChunk.
func unmapChunk(b []byte) {
	_ = syscall.Munmap(b) // fails only for memory mapChunk did not map
}
