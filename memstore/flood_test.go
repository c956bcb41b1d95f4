package memstore_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// offsetClock is the real clock shifted by an offset the test controls.
// The Manager stamps expiries with time.Now, so the store's clock must
// follow real time, not a frozen one.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc(t *testing.T) uint64 {
	t.Helper()
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's finalizers released
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

const mib = 1 << 20

// TestFloodStaysBounded sends many cookieless requests, each of which
// creates and saves a new session (as a bot or a scanner would). The store
// must stay at its cap and the heap must not grow with the number of
// requests; once the sessions expire and are swept, the memory must come
// back.
func TestFloodStaysBounded(t *testing.T) {
	const (
		requests = 100_000
		maxSess  = 10_000
		// maxGrowth is generous yet catches a leak: the 10,000 retained
		// sessions measure about 1.1 MiB of Go heap (~110 B each; most
		// of a record is kept off the heap), while keeping all
		// 100,000 (MaxSessions ignored) measures about 36 MiB. A 64 MiB
		// bound would let that leak pass.
		maxGrowth = 16 * mib
		// maxResidue is what may stay after everything is swept: the
		// map and heap arrays do not shrink, and GC accounting is noisy.
		maxResidue = 4 * mib
	)
	if testing.Short() {
		t.Skip("flood test skipped in -short mode")
	}

	clock := &offsetClock{}
	store := memstore.New(memstore.Options{
		MaxSessions: maxSess,
		Now:         clock.Now,
		Logger:      discardLogger(),
	})
	t.Cleanup(func() { store.Close() })
	m, err := session.New(session.Options{
		Secrets: []string{"flood-test-secret-0123456789-abcdefghijklmnop"},
		Store:   store,
		Logger:  discardLogger(),
	})
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("visits", 1); err != nil {
			t.Errorf("Set: %v", err)
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)

	// Warm up once so one-time allocations (sync.Pools, the logger's
	// once-only warning, lazily built tables) are in the baseline.
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := store.Len(); got != 1 {
		t.Fatalf("after one request Len() = %d, want 1: the handler did not save a session", got)
	}

	before := heapAlloc(t)
	start := time.Now()
	for i := range requests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200; body %q", i, rec.Code, rec.Body)
		}
		if i == 0 && rec.Header().Get("Set-Cookie") == "" {
			t.Fatalf("request %d: no Set-Cookie: the session was not saved", i)
		}
	}
	elapsed := time.Since(start)
	n := store.Len()
	after := heapAlloc(t)

	if n > maxSess {
		t.Errorf("after %d requests Len() = %d, want <= %d", requests, n, maxSess)
	}
	if n < maxSess {
		t.Errorf("after %d requests Len() = %d, want the cap %d (every request saved a session)", requests, n, maxSess)
	}
	growth := int64(after) - int64(before)
	perSession := float64(growth) / float64(max(n, 1))
	t.Logf("flood: %d requests in %v (%.1f µs/request)", requests, elapsed.Round(time.Millisecond),
		float64(elapsed.Microseconds())/requests)
	t.Logf("flood: heap before %d B (%.2f MiB), after %d B (%.2f MiB), growth %d B (%.2f MiB)",
		before, float64(before)/mib, after, float64(after)/mib, growth, float64(growth)/mib)
	t.Logf("flood: %d sessions retained, %.0f bytes per retained session", n, perSession)
	if growth > maxGrowth {
		t.Errorf("heap grew by %d B (%.1f MiB) for %d sessions, want < %d MiB",
			growth, float64(growth)/mib, n, maxGrowth/mib)
	}

	// Phase 2: every session expires (no MaxAge: the store keeps a
	// record DefaultStoreTTL), a sweep removes them all, and the memory
	// they held is released.
	clock.Advance(session.DefaultStoreTTL + time.Hour)
	if swept := store.Sweep(); swept != n {
		t.Errorf("Sweep() = %d, want %d", swept, n)
	}
	if got := store.Len(); got != 0 {
		t.Errorf("after expiry and Sweep, Len() = %d, want 0", got)
	}
	swept := heapAlloc(t)
	residue := int64(swept) - int64(before)
	t.Logf("after sweep: heap %d B (%.2f MiB), %+d B (%+.2f MiB) against the start, %d B (%.2f MiB) released",
		swept, float64(swept)/mib, residue, float64(residue)/mib,
		int64(after)-int64(swept), float64(int64(after)-int64(swept))/mib)
	if residue > maxResidue {
		t.Errorf("after sweeping every session the heap is %d B (%.1f MiB) above the start, want < %d MiB",
			residue, float64(residue)/mib, maxResidue/mib)
	}
	runtime.KeepAlive(h)
	runtime.KeepAlive(store)
}
