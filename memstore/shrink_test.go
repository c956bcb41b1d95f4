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
	if s.peak != keep || len(s.items) != keep || cap(s.byExp) != keep {
		t.Errorf("after the sweep: peak %d, %d items, heap capacity %d; want %d each", s.peak, len(s.items), cap(s.byExp), keep)
	}
	for i := range keep {
		if it := s.items[fmt.Sprint("id", i)]; it == nil || s.byExp[it.index] != it {
			t.Fatalf("id%d lost or misplaced in the heap after the shrink", i)
		}
	}
}

// A record kept by the store is sized to its bytes, not to the buffer it
// came in.
func TestSetTrimsRecord(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	rec := make([]byte, 0, 4096)
	rec = append(rec, `{"visits":1}`...)
	if err := s.Set(context.Background(), "id", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c := cap(s.items["id"].data); c > len(rec)+8 {
		t.Errorf("stored record has capacity %d for %d bytes", c, len(rec))
	}
}
