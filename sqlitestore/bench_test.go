package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/sqlitestore"
	"github.com/sessionkit/session/storetest"
)

const benchIDs = 1000

// benchStore returns a store on a file in b.TempDir() holding benchIDs
// records, their ids, and the record and expiry used.
func benchStore(b *testing.B) (*sqlitestore.Store, []string, []byte, time.Time) {
	b.Helper()
	return benchStoreWith(b, sqlitestore.Options{})
}

// benchStoreWith is benchStore with the Store's options.
func benchStoreWith(b *testing.B, o sqlitestore.Options) (*sqlitestore.Store, []string, []byte, time.Time) {
	b.Helper()
	s := open(b, filepath.Join(b.TempDir(), "sessions.db"), o)
	ids := make([]string, benchIDs)
	exp := time.Now().Add(time.Hour)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%04d-abcdefghijklmnopqrstuv", i)
		if err := s.Set(context.Background(), ids[i], rec, exp); err != nil {
			b.Fatal(err)
		}
	}
	return s, ids, rec, exp
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
		if err := s.Set(ctx, ids[i%benchIDs], data, exp.Add(time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatalf("Set: %v", err)
		}
		i++
	}
}

// BenchmarkPatch increments a counter in records of 1000 sessions in
// turn: a read and a write in one IMMEDIATE transaction each.
func BenchmarkPatch(b *testing.B) {
	b.Run("normal", func(b *testing.B) { benchPatch(b, sqlitestore.Options{}) })
	// Options.Durable: synchronous=FULL, an fsync of the WAL per commit.
	b.Run("durable", func(b *testing.B) { benchPatch(b, sqlitestore.Options{Durable: true}) })
}

func benchPatch(b *testing.B, o sqlitestore.Options) {
	s, ids, _, exp := benchStoreWith(b, o)
	ctx := context.Background()
	p := storetest.NewPatch(nil, nil, map[string]int64{"visits": 1})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Patch(ctx, ids[i%benchIDs], p, exp); err != nil {
			b.Fatalf("Patch: %v", err)
		}
		i++
	}
}

// BenchmarkParallelGetSet mixes three Gets to one Set, from GOMAXPROCS
// goroutines: the reads use the reader pool while the writes queue for
// the one writer.
func BenchmarkParallelGetSet(b *testing.B) {
	s, ids, data, exp := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			id := ids[i%benchIDs]
			var err error
			if i%4 == 3 {
				err = s.Set(ctx, id, data, exp)
			} else {
				_, _, err = s.Get(ctx, id)
			}
			if err != nil {
				b.Errorf("%v", err)
				return
			}
			i++
		}
	})
}

// BenchmarkParallelPatch increments a counter from 32 goroutines per
// GOMAXPROCS at once, in one session ("one", the returning visitor of
// cmd/visits under wrk with one cookie; "one-durable" with
// Options.Durable) or spread over 1000 ("many"): the patches queue for
// the one writer, which commits those waiting together.
func BenchmarkParallelPatch(b *testing.B) {
	b.Run("one", func(b *testing.B) { benchParallelPatch(b, 1, sqlitestore.Options{}) })
	b.Run("one-durable", func(b *testing.B) { benchParallelPatch(b, 1, sqlitestore.Options{Durable: true}) })
	b.Run("many", func(b *testing.B) { benchParallelPatch(b, benchIDs, sqlitestore.Options{}) })
}

func benchParallelPatch(b *testing.B, sessions int, o sqlitestore.Options) {
	s, ids, _, exp := benchStoreWith(b, o)
	ctx := context.Background()
	p := storetest.NewPatch(nil, nil, map[string]int64{"visits": 1})
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1))
		for pb.Next() {
			if _, err := s.Patch(ctx, ids[i%sessions], p, exp); err != nil {
				b.Errorf("Patch: %v", err)
				return
			}
			i += 7
		}
	})
}
