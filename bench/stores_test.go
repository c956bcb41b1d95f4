package bench

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/pgstore"
	"github.com/sessionkit/session/redisstore"
	"github.com/sessionkit/session/sqlitestore"
)

// quiet drops log records (the memory store's eviction warning, say), which
// would break the benchmark's output lines.
var quiet = slog.New(slog.DiscardHandler)

// storeParallelism is how many goroutines per core run requests in the
// store benchmarks: a network store stays busy while p99 still
// measures the request, not a long run queue.
const storeParallelism = 2

// benchStores open each store on a real server (or file) for b.
var benchStores = []struct {
	name string
	open func(b *testing.B) session.Store
}{
	{"memory", func(b *testing.B) session.Store {
		s := memstore.New(memstore.Options{Logger: quiet})
		b.Cleanup(func() { s.Close() })
		return s
	}},
	{"sqlite", func(b *testing.B) session.Store {
		s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "s.db"), sqlitestore.Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}},
	{"redis", func(b *testing.B) session.Store {
		opt, err := redis.ParseURL(testenv.Redis(b))
		if err != nil {
			b.Fatal(err)
		}
		c := redis.NewClient(opt)
		b.Cleanup(func() { c.Close() })
		return redisstore.New(c, redisstore.Options{})
	}},
	{"postgres", func(b *testing.B) session.Store {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		s, err := pgstore.New(ctx, pool, pgstore.Options{CreateTable: true, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close(); pool.Close() })
		return s
	}},
}

// BenchmarkStoreRoundTrip measures one request through the middleware on
// each store: load the session, increment "visits" (an atomic patch on
// the store), and for a new visitor create the record and set the cookie.
// Requests run in parallel, each goroutine a visitor of its own. Besides
// ns/op it reports req/s and the 99th-percentile latency of one request.
func BenchmarkStoreRoundTrip(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			m, err := session.New(session.Options{
				Secrets: []string{"a benchmark secret of thirty-two bytes"},
				Store:   st.open(b),
				Logger:  quiet,
			})
			if err != nil {
				b.Fatal(err)
			}
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := session.From(r).Increment(r.Context(), "visits", 1); err != nil {
					http.Error(w, err.Error(), http.StatusServiceUnavailable)
				}
			}))
			b.Run("returning", func(b *testing.B) { roundTrips(b, h, true) })
			b.Run("new", func(b *testing.B) { roundTrips(b, h, false) })
		})
	}
}

// roundTrips runs b.N requests against h in parallel and reports req/s and
// p99 latency. A returning visitor sends the cookie its first request got.
func roundTrips(b *testing.B, h http.Handler, returning bool) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	b.ReportAllocs()
	b.SetParallelism(storeParallelism)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var cookie string
		if returning {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			cookie = w.Result().Header.Get("Set-Cookie")
			if cookie == "" {
				b.Error("first request set no cookie")
				return
			}
		}
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			r := httptest.NewRequest("GET", "/", nil)
			if returning {
				r.Header.Set("Cookie", cookie)
			}
			w := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(w, r)
			mine = append(mine, time.Since(t0))
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	p99 := latencies[(len(latencies)*99)/100]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds()), "p99-us")
}
