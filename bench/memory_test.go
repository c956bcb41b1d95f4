package bench

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// retainedSessions is how many sessions the memory benchmark creates.
const retainedSessions = 100_000

// retainedLifetime is the peers' session lifetime: long enough to create
// them all before the first expires, short enough to wait for. When
// creating them takes longer (a busy machine), the measurement is taken
// again with a lifetime four times as long. Our memory store runs on a
// clock of the benchmark's own and needs no waiting.
const retainedLifetime = 3 * time.Second

// heapBytes is the live heap after two collections.
func heapBytes() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// offsetClock is a clock that runs with the real one until moved ahead.
type offsetClock struct{ ahead atomic.Int64 }

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }

// retained is one case of BenchmarkRetainedPerSession: a handler whose
// sessions live for lifetime, and expire, which returns once every one of
// them has expired and been swept.
type retained struct {
	h       http.Handler
	expire  func()
	offHeap func() int // memory the store holds outside the Go heap; nil for none
}

// BenchmarkRetainedPerSession measures the memory a memory store keeps
// per live session: retainedSessions new visitors each get a session
// holding {"visits":1} through the middleware; the live heap grows by
// B/session each. Once the sessions have expired and the store's sweeper
// has run, B/session-expired is what is still kept (0 means all of it was
// given back). It measures once, whatever b.N is.
func BenchmarkRetainedPerSession(b *testing.B) {
	cases := []struct {
		name string
		open func(b *testing.B, lifetime time.Duration) retained
	}{
		{"memory", func(b *testing.B, lifetime time.Duration) retained {
			clock := &offsetClock{}
			st := memstore.New(memstore.Options{Logger: quiet, MaxSessions: 2 * retainedSessions,
				SweepInterval: time.Hour, Now: clock.now})
			b.Cleanup(func() { st.Close() })
			m, err := session.New(session.Options{Secrets: []string{benchSecret}, Store: st, Logger: quiet,
				Cookie: session.CookieOptions{MaxAge: lifetime}})
			if err != nil {
				b.Fatal(err)
			}
			return retained{
				h: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if _, err := session.From(r).Increment(r.Context(), "visits", 1); err != nil {
						b.Error(err)
					}
				})),
				expire: func() { // the clock past every expiry, then the sweeps the sweeper would run
					clock.ahead.Store(int64(2 * lifetime))
					for st.Sweep() > 0 {
					}
				},
				offHeap: st.OffHeapBytes,
			}
		}},
		{"scs", func(b *testing.B, lifetime time.Duration) retained {
			store := scsmem.NewWithCleanupInterval(lifetime / 10)
			b.Cleanup(store.StopCleanup)
			sm := scs.New()
			sm.Store = store
			sm.Lifetime = lifetime
			start := time.Now()
			return retained{
				h: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sm.Put(r.Context(), "visits", sm.GetInt(r.Context(), "visits")+1)
				})),
				// scs's clock cannot be moved: wait for expiry and three
				// of its cleanups.
				expire: func() { time.Sleep(time.Until(start.Add(lifetime + lifetime*3/10))) },
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lifetime := retainedLifetime
			for {
				rc := c.open(b, lifetime)
				w := &sink{}
				r := httptest.NewRequest("GET", "/", nil)
				w.reset()
				rc.h.ServeHTTP(w, r) // warm up: pools, maps, the first allocation of everything
				// The Go heap and what the store keeps outside it.
				held := func() uint64 {
					if rc.offHeap == nil {
						return heapBytes()
					}
					return heapBytes() + uint64(rc.offHeap())
				}
				before := held()
				start := time.Now()
				for range retainedSessions {
					w.reset()
					rc.h.ServeHTTP(w, r)
					if len(w.h["Set-Cookie"]) == 0 {
						b.Fatal("no session cookie: nothing stored")
					}
				}
				if took := time.Since(start); took > lifetime*2/3 {
					b.Logf("creating the sessions took %v of their %v lifetime; again with a longer one", took, lifetime)
					lifetime *= 4
					continue
				}
				live := held()
				rc.expire()
				expired := held()
				for b.Loop() { // one measurement, whatever b.N; Loop resets the metrics
				}
				b.ReportMetric(float64(int64(live)-int64(before))/retainedSessions, "B/session")
				b.ReportMetric(float64(int64(expired)-int64(before))/retainedSessions, "B/session-expired")
				b.ReportMetric(float64(before)/(1<<20), "MiB-idle")
				return
			}
		})
	}
}
