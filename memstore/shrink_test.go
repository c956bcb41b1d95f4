package memstore

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Once most records have expired, the sweep gives the table and the heap
// back: they are sized for what is left, not for the peak.
func TestSweepShrinks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := New(Options{MaxSessions: -1, Now: func() time.Time { return now }})
	defer s.Close()
	const n, keep = 10_000, 100
	for i := range n {
		life := time.Minute
		if i < keep {
			life = time.Hour
		}
		if err := s.Set(context.Background(), fmt.Sprint("id", i), []byte(`{"visits":1}`), now.Add(life)); err != nil {
			t.Fatal(err)
		}
	}
	if s.peak != n {
		t.Fatalf("peak %d after %d sets", s.peak, n)
	}
	now = now.Add(2 * time.Minute)
	if swept := s.Sweep(); swept != n-keep {
		t.Fatalf("swept %d, want %d", swept, n-keep)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.peak != keep || s.countLocked() != keep || cap(s.byExp) != keep {
		t.Errorf("after the sweep: peak %d, %d records, heap capacity %d; want %d each", s.peak, s.countLocked(), cap(s.byExp), keep)
	}
	for i := range keep {
		j, ok := s.lookupLocked(fmt.Sprint("id", i))
		if !ok || s.byExp[s.ents.at(j).pos] != j {
			t.Fatalf("id%d lost or misplaced in the heap after the shrink", i)
		}
	}
	// The entries were renumbered into the fewest chunks, and the old
	// chunks given back.
	if len(s.ents.chunks) != 1 || s.ents.used != keep {
		t.Errorf("after the sweep: %d entry chunks, %d entries used; want 1, %d", len(s.ents.chunks), s.ents.used, keep)
	}
	if got := len(s.mem.mapped) + s.mem.heap; got != 2 { // entries, and one class of blocks
		t.Errorf("after the sweep the store holds %d chunks, want 2", got)
	}
}

// A record kept by the store is sized to its bytes, not to the buffer it
// came in, and is a copy: the caller may reuse its buffer.
func TestSetCopiesRecord(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	rec := make([]byte, 0, 4096)
	rec = append(rec, `{"visits":1}`...)
	if err := s.Set(context.Background(), "id", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	copy(rec, "XXXXXXXXXXXX")
	s.mu.RLock()
	i, _ := s.lookupLocked("id")
	e := *s.ents.at(i)
	s.mu.RUnlock()
	if e.n != uint32(len(rec)) || e.rec>>classShift != 0 {
		t.Errorf("stored record takes %d bytes in class %d for %d bytes", e.n, e.rec>>classShift, len(rec))
	}
	if got, _, err := s.Get(context.Background(), "id"); err != nil || string(got) != `{"visits":1}` {
		t.Errorf("Get = %q, %v after the caller reused its buffer", got, err)
	}
}
