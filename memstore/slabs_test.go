package memstore

import (
	"bytes"
	"io"
	"log/slog"
	"slices"
	"testing"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestClassOf(t *testing.T) {
	for n := 1; n <= maxBlock; n++ {
		c := classOf[(n+15)/16]
		if blockSizes[c] < n || c > 0 && blockSizes[c-1] >= n {
			t.Fatalf("%d bytes in class %d (%d bytes)", n, c, blockSizes[c])
		}
	}
}

// Freed blocks and entries are reused before a chunk is added, and
// blocks keep their bytes apart.
func TestSlabsReuse(t *testing.T) {
	var mem chunks
	defer mem.release()
	var s slabs
	var refs []uint32
	for _, n := range []int{0, 1, 16, 17, 100, 8192, 8193, 100_000} {
		for i := range 3000 {
			ref, b := s.alloc(&mem, n)
			if len(b) != n {
				t.Fatalf("alloc(%d) gave %d bytes", n, len(b))
			}
			for j := range b {
				b[j] = byte(i)
			}
			refs = append(refs, ref)
		}
		for i, ref := range refs {
			if b := s.bytes(ref, n); !bytes.Equal(b, bytes.Repeat([]byte{byte(i)}, n)) {
				t.Fatalf("block %d of %d bytes overwritten", i, n)
			}
		}
		held := len(mem.mapped) + mem.heap
		for _, ref := range refs {
			s.release(ref)
		}
		for range refs {
			if got, _ := s.alloc(&mem, n); !slices.Contains(refs, got) {
				t.Fatalf("alloc(%d) after release = new block %x", n, got)
			}
		}
		if got := len(mem.mapped) + mem.heap; got != held {
			t.Fatalf("%d chunks after reuse of blocks of %d bytes, want %d", got, n, held)
		}
		for _, ref := range refs {
			s.release(ref)
		}
		refs = refs[:0]
	}
	var ents entryTable
	for range 2 * entriesPerChunk {
		ents.alloc(&mem)
	}
	held := len(mem.mapped) + mem.heap
	for i := range uint32(2 * entriesPerChunk) {
		ents.release(i)
	}
	for range 2 * entriesPerChunk {
		if i := ents.alloc(&mem); i >= 2*entriesPerChunk {
			t.Fatalf("entry %d after release", i)
		}
	}
	if got := len(mem.mapped) + mem.heap; got != held {
		t.Fatalf("%d chunks after reuse of entries, want %d", got, held)
	}
}
