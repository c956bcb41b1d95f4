package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/session/memstore"
)

const benchIDs = 1000

// benchStore returns a store holding benchIDs records, their ids, and the
// record and expiry used.
func benchStore(b *testing.B) (*memstore.Store, []string, []byte, time.Time) {
	b.Helper()
	c := newFakeClock()
	s := newStore(b, c, memstore.Options{})
	ids := make([]string, benchIDs)
	data := []byte(`{"cookie":{"originalMaxAge":null,"httpOnly":true,"path":"/"},"visits":1}`)
	exp := c.Now().Add(time.Hour)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%04d-abcdefghijklmnopqrstuv", i)
		mustSet(b, s, ids[i], data, exp)
	}
	return s, ids, data, exp
}

func BenchmarkGet(b *testing.B) {
	s, ids, _, _ := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := s.Get(ctx, ids[i%benchIDs]); err != nil {
			b.Fatalf("Get: %v", err)
		}
		i++
	}
}

func BenchmarkSet(b *testing.B) {
	s, ids, data, exp := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Rotate the expiry too, so the heap has real work to do.
		if err := s.Set(ctx, ids[i%benchIDs], data, exp.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatalf("Set: %v", err)
		}
		i++
	}
}

// BenchmarkParallelGetSet mixes three Gets to one Set, from GOMAXPROCS
// goroutines.
func BenchmarkParallelGetSet(b *testing.B) {
	s, ids, data, exp := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			id := ids[i%benchIDs]
			if i%4 == 0 {
				if err := s.Set(ctx, id, data, exp.Add(time.Duration(i)*time.Millisecond)); err != nil {
					b.Errorf("Set: %v", err)
					return
				}
			} else if _, _, err := s.Get(ctx, id); err != nil {
				b.Errorf("Get: %v", err)
				return
			}
			i++
		}
	})
}
