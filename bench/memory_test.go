package bench

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// retainedSessions is how many sessions the memory benchmark creates.
const retainedSessions = 100_000

// retainedLifetime is their lifetime: long enough to create them all
// before the first expires, short enough to wait for.
const retainedLifetime = 3 * time.Second

// heapBytes is the live heap after two collections.
func heapBytes() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
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
		open func(b *testing.B) http.Handler
	}{
		{"memory", func(b *testing.B) http.Handler {
			st := memstore.New(memstore.Options{Logger: quiet, MaxSessions: 2 * retainedSessions,
				SweepInterval: retainedLifetime / 10})
			b.Cleanup(func() { st.Close() })
			m, err := session.New(session.Options{Secrets: []string{benchSecret}, Store: st, Logger: quiet,
				Cookie: session.CookieOptions{MaxAge: retainedLifetime}})
			if err != nil {
				b.Fatal(err)
			}
			return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := session.From(r).Increment(r.Context(), "visits", 1); err != nil {
					b.Error(err)
				}
			}))
		}},
		{"scs", func(b *testing.B) http.Handler {
			store := scsmem.NewWithCleanupInterval(retainedLifetime / 10)
			b.Cleanup(store.StopCleanup)
			sm := scs.New()
			sm.Store = store
			sm.Lifetime = retainedLifetime
			return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sm.Put(r.Context(), "visits", sm.GetInt(r.Context(), "visits")+1)
			}))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := c.open(b)
			w := &sink{}
			r := httptest.NewRequest("GET", "/", nil)
			w.reset()
			h.ServeHTTP(w, r) // warm up: pools, maps, the first allocation of everything
			before := heapBytes()
			start := time.Now()
			for range retainedSessions {
				w.reset()
				h.ServeHTTP(w, r)
				if len(w.h["Set-Cookie"]) == 0 {
					b.Fatal("no session cookie: nothing stored")
				}
			}
			if time.Since(start) > retainedLifetime {
				b.Fatalf("creating the sessions took longer than their lifetime (%v)", retainedLifetime)
			}
			live := heapBytes()
			time.Sleep(time.Until(start.Add(retainedLifetime + retainedLifetime/3))) // expired, and swept
			expired := heapBytes()
			for b.Loop() { // one measurement, whatever b.N; Loop resets the metrics
			}
			b.ReportMetric(float64(int64(live)-int64(before))/retainedSessions, "B/session")
			b.ReportMetric(float64(int64(expired)-int64(before))/retainedSessions, "B/session-expired")
			b.ReportMetric(float64(before)/(1<<20), "MiB-idle")
		})
	}
}
