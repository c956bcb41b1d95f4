package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// epoch is the fake clock's starting time.
var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a clock the test advances by hand. It is safe for
// concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// discardLogger drops everything, so eviction warnings do not clutter
// test output.
func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newStore returns a Store on clock c (filling in Now and Logger when o
// leaves them unset) that is closed when the test ends.
func newStore(t testing.TB, c *fakeClock, o memstore.Options) *memstore.Store {
	t.Helper()
	if o.Now == nil {
		o.Now = c.Now
	}
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	s := memstore.New(o)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return s
}

// mustSet calls Set and fails the test on an error.
func mustSet(t testing.TB, s *memstore.Store, id string, data []byte, expires time.Time) {
	t.Helper()
	if err := s.Set(context.Background(), id, data, expires); err != nil {
		t.Fatalf("Set(%q) = %v, want nil", id, err)
	}
}

// wantGet checks that Get(id) returns want.
func wantGet(t testing.TB, s *memstore.Store, id string, want []byte) {
	t.Helper()
	got, _, err := s.Get(context.Background(), id)
	if err != nil {
		t.Errorf("Get(%q) error = %v, want nil", id, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%q) = %q, want %q", id, got, want)
	}
}

// wantNotFound checks that Get(id) reports session.ErrNotFound.
func wantNotFound(t testing.TB, s *memstore.Store, id string) {
	t.Helper()
	got, _, err := s.Get(context.Background(), id)
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get(%q) = %q, %v; want error wrapping session.ErrNotFound", id, got, err)
	}
}

// wantLen checks s.Len().
func wantLen(t testing.TB, s *memstore.Store, want int) {
	t.Helper()
	if got := s.Len(); got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

func TestImplementsInterfaces(t *testing.T) {
	var s any = memstore.New(memstore.Options{})
	defer s.(io.Closer).Close()
	if _, ok := s.(session.Store); !ok {
		t.Errorf("*memstore.Store does not implement session.Store")
	}
	if _, ok := s.(session.Toucher); !ok {
		t.Errorf("*memstore.Store does not implement session.Toucher")
	}
}

func TestGetMissing(t *testing.T) {
	s := newStore(t, newFakeClock(), memstore.Options{})
	for _, id := range []string{"", "nope", "a-much-longer-id-that-was-never-stored"} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			wantNotFound(t, s, id)
		})
	}
}

func TestSetGet(t *testing.T) {
	c := newFakeClock()
	tests := []struct {
		name string
		data []byte
	}{
		{"json", []byte(`{"cookie":{"path":"/"},"visits":1}`)},
		{"empty", []byte{}},
		{"binary", []byte{0, 1, 2, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, c, memstore.Options{})
			mustSet(t, s, "id", tt.data, c.Now().Add(time.Hour))
			wantGet(t, s, "id", tt.data)
			wantLen(t, s, 1)
		})
	}

	t.Run("replace", func(t *testing.T) {
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "id", []byte("old"), c.Now().Add(time.Hour))
		mustSet(t, s, "id", []byte("new"), c.Now().Add(2*time.Hour))
		wantGet(t, s, "id", []byte("new"))
		wantLen(t, s, 1)
		// The replacement's expiry applies, not the first one's.
		c.Advance(90 * time.Minute)
		wantGet(t, s, "id", []byte("new"))
	})

	t.Run("ids are independent", func(t *testing.T) {
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "a", []byte("A"), c.Now().Add(time.Hour))
		mustSet(t, s, "b", []byte("B"), c.Now().Add(time.Hour))
		wantGet(t, s, "a", []byte("A"))
		wantGet(t, s, "b", []byte("B"))
		wantLen(t, s, 2)
	})
}

func TestGetAfterExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		found   bool
	}{
		{"just before", time.Hour - time.Nanosecond, true},
		{"exactly at expiry", time.Hour, false},
		{"after", time.Hour + time.Second, false},
		{"long after", 1000 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClock()
			s := newStore(t, c, memstore.Options{})
			mustSet(t, s, "id", []byte("x"), c.Now().Add(time.Hour))
			c.Advance(tt.advance)
			if tt.found {
				wantGet(t, s, "id", []byte("x"))
			} else {
				wantNotFound(t, s, "id")
			}
			// No sweep has run: the record is still held, only hidden.
			wantLen(t, s, 1)
		})
	}
}

func TestSetPastExpiryDeletes(t *testing.T) {
	tests := []struct {
		name    string
		expires func(now time.Time) time.Time
	}{
		{"now", func(now time.Time) time.Time { return now }},
		{"past", func(now time.Time) time.Time { return now.Add(-time.Second) }},
		{"zero time", func(time.Time) time.Time { return time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClock()
			s := newStore(t, c, memstore.Options{})
			mustSet(t, s, "id", []byte("live"), c.Now().Add(time.Hour))
			mustSet(t, s, "other", []byte("other"), c.Now().Add(time.Hour))
			exp := tt.expires(c.Now())
			mustSet(t, s, "id", []byte("dead"), exp)
			wantNotFound(t, s, "id")
			wantLen(t, s, 1)
			wantGet(t, s, "other", []byte("other"))

			// An expired Set of a missing id stores nothing.
			mustSet(t, s, "never", []byte("x"), exp)
			wantNotFound(t, s, "never")
			wantLen(t, s, 1)
		})
	}
}

func TestTouch(t *testing.T) {
	ctx := context.Background()

	t.Run("extends expiry", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "id", []byte("x"), c.Now().Add(time.Minute))
		if err := s.Touch(ctx, "id", c.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Touch = %v, want nil", err)
		}
		c.Advance(2 * time.Minute) // past the old expiry
		wantGet(t, s, "id", []byte("x"))
		if n := s.Sweep(); n != 0 {
			t.Errorf("Sweep() = %d after Touch, want 0", n)
		}
		wantLen(t, s, 1)
		c.Advance(time.Hour) // past the new expiry
		wantNotFound(t, s, "id")
		if n := s.Sweep(); n != 1 {
			t.Errorf("Sweep() = %d, want 1", n)
		}
		wantLen(t, s, 0)
	})

	t.Run("shortens expiry", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "id", []byte("x"), c.Now().Add(time.Hour))
		if err := s.Touch(ctx, "id", c.Now().Add(time.Minute)); err != nil {
			t.Fatalf("Touch = %v, want nil", err)
		}
		c.Advance(2 * time.Minute)
		wantNotFound(t, s, "id")
	})

	t.Run("reorders eviction", func(t *testing.T) {
		// Touch must keep the expiry order right: after "a" is touched
		// past "b", a sweep at b's expiry removes b only.
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "a", []byte("a"), c.Now().Add(time.Minute))
		mustSet(t, s, "b", []byte("b"), c.Now().Add(2*time.Minute))
		if err := s.Touch(ctx, "a", c.Now().Add(3*time.Minute)); err != nil {
			t.Fatalf("Touch = %v, want nil", err)
		}
		c.Advance(2 * time.Minute)
		if n := s.Sweep(); n != 1 {
			t.Errorf("Sweep() = %d, want 1", n)
		}
		wantGet(t, s, "a", []byte("a"))
		wantNotFound(t, s, "b")
	})

	t.Run("missing id", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		if err := s.Touch(ctx, "nope", c.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch(missing) = %v, want nil", err)
		}
		wantNotFound(t, s, "nope")
		wantLen(t, s, 0)
	})

	t.Run("expired id stays gone", func(t *testing.T) {
		// A record that expired but was not swept yet is gone for Get;
		// a Touch must not bring it back.
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "id", []byte("x"), c.Now().Add(time.Minute))
		c.Advance(2 * time.Minute)
		wantNotFound(t, s, "id")
		if err := s.Touch(ctx, "id", c.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Touch(expired) = %v, want nil", err)
		}
		wantNotFound(t, s, "id")
		c.Advance(time.Minute) // still well within the touched expiry
		wantNotFound(t, s, "id")
		wantLen(t, s, 0)
	})

	t.Run("past expiry deletes", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "id", []byte("x"), c.Now().Add(time.Hour))
		mustSet(t, s, "other", []byte("o"), c.Now().Add(time.Hour))
		if err := s.Touch(ctx, "id", c.Now()); err != nil {
			t.Fatalf("Touch(past) = %v, want nil", err)
		}
		wantNotFound(t, s, "id")
		wantGet(t, s, "other", []byte("o"))
		wantLen(t, s, 1)
	})
}

func TestDestroy(t *testing.T) {
	ctx := context.Background()
	c := newFakeClock()
	s := newStore(t, c, memstore.Options{})
	mustSet(t, s, "a", []byte("a"), c.Now().Add(time.Hour))
	mustSet(t, s, "b", []byte("b"), c.Now().Add(time.Hour))

	t.Run("existing", func(t *testing.T) {
		if err := s.Destroy(ctx, "a"); err != nil {
			t.Fatalf("Destroy(a) = %v, want nil", err)
		}
		wantNotFound(t, s, "a")
		wantGet(t, s, "b", []byte("b"))
		wantLen(t, s, 1)
	})
	t.Run("missing", func(t *testing.T) {
		for _, id := range []string{"a", "never"} {
			if err := s.Destroy(ctx, id); err != nil {
				t.Errorf("Destroy(%q) = %v, want nil", id, err)
			}
		}
		wantLen(t, s, 1)
	})
	t.Run("set again after destroy", func(t *testing.T) {
		mustSet(t, s, "a", []byte("a2"), c.Now().Add(time.Hour))
		wantGet(t, s, "a", []byte("a2"))
		wantLen(t, s, 2)
	})
	t.Run("destroyed record is not swept twice", func(t *testing.T) {
		if err := s.Destroy(ctx, "b"); err != nil {
			t.Fatalf("Destroy(b) = %v, want nil", err)
		}
		c.Advance(2 * time.Hour)
		if n := s.Sweep(); n != 1 { // only "a" is left to expire
			t.Errorf("Sweep() = %d, want 1", n)
		}
		wantLen(t, s, 0)
	})
}

func TestSweep(t *testing.T) {
	tests := []struct {
		name           string
		expired, alive int
	}{
		{"empty", 0, 0},
		{"nothing expired", 0, 10},
		{"all expired", 10, 0},
		{"mixed", 7, 5},
		{"one batch exactly", 1024, 3},
		{"one over a batch", 1025, 3},
		{"two batches exactly", 2048, 0},
		{"many batches", 5000, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClock()
			s := newStore(t, c, memstore.Options{MaxSessions: -1})
			now := c.Now()
			// Interleave the two kinds so the heap order is exercised,
			// and spread the expiries so they are not all equal.
			for i := range max(tt.expired, tt.alive) {
				if i < tt.expired {
					mustSet(t, s, fmt.Sprintf("dead-%d", i), []byte("d"),
						now.Add(time.Duration(i%97+1)*time.Second))
				}
				if i < tt.alive {
					mustSet(t, s, fmt.Sprintf("live-%d", i), []byte("l"),
						now.Add(time.Hour+time.Duration(i%89)*time.Second))
				}
			}
			wantLen(t, s, tt.expired+tt.alive)

			c.Advance(30 * time.Minute)
			if got := s.Sweep(); got != tt.expired {
				t.Errorf("Sweep() = %d, want %d", got, tt.expired)
			}
			wantLen(t, s, tt.alive)
			for i := range tt.alive {
				wantGet(t, s, fmt.Sprintf("live-%d", i), []byte("l"))
			}
			if got := s.Sweep(); got != 0 {
				t.Errorf("second Sweep() = %d, want 0", got)
			}

			c.Advance(2 * time.Hour)
			if got := s.Sweep(); got != tt.alive {
				t.Errorf("final Sweep() = %d, want %d", got, tt.alive)
			}
			wantLen(t, s, 0)
		})
	}

	t.Run("boundary", func(t *testing.T) {
		// A record expiring exactly now is expired; one a nanosecond
		// later is not.
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{})
		mustSet(t, s, "at", []byte("x"), c.Now().Add(time.Minute))
		mustSet(t, s, "after", []byte("y"), c.Now().Add(time.Minute+time.Nanosecond))
		c.Advance(time.Minute)
		if got := s.Sweep(); got != 1 {
			t.Errorf("Sweep() = %d, want 1", got)
		}
		wantNotFound(t, s, "at")
		wantGet(t, s, "after", []byte("y"))
	})
}

func TestMaxSessions(t *testing.T) {
	t.Run("evicts the earliest expiry", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{MaxSessions: 3})
		now := c.Now()
		mustSet(t, s, "a", []byte("a"), now.Add(3*time.Minute))
		mustSet(t, s, "b", []byte("b"), now.Add(1*time.Minute)) // earliest
		mustSet(t, s, "c", []byte("c"), now.Add(2*time.Minute))
		mustSet(t, s, "d", []byte("d"), now.Add(4*time.Minute))
		wantLen(t, s, 3)
		wantNotFound(t, s, "b")
		wantGet(t, s, "a", []byte("a"))
		wantGet(t, s, "c", []byte("c"))
		wantGet(t, s, "d", []byte("d"))

		// The newcomer itself may be the earliest; the oldest of the
		// others still goes ("c"), and the newcomer is kept.
		mustSet(t, s, "e", []byte("e"), now.Add(30*time.Second))
		wantLen(t, s, 3)
		wantNotFound(t, s, "c")
		wantGet(t, s, "e", []byte("e"))
		wantGet(t, s, "a", []byte("a"))
		wantGet(t, s, "d", []byte("d"))
	})

	t.Run("replacing at the cap evicts nothing", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{MaxSessions: 3})
		now := c.Now()
		for i, id := range []string{"a", "b", "c"} {
			mustSet(t, s, id, []byte(id), now.Add(time.Duration(i+1)*time.Minute))
		}
		mustSet(t, s, "a", []byte("a2"), now.Add(time.Hour))
		wantLen(t, s, 3)
		wantGet(t, s, "a", []byte("a2"))
		wantGet(t, s, "b", []byte("b"))
		wantGet(t, s, "c", []byte("c"))
	})

	t.Run("expired are swept before any live one is evicted", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{MaxSessions: 3})
		now := c.Now()
		mustSet(t, s, "x1", []byte("x1"), now.Add(1*time.Minute))
		mustSet(t, s, "live", []byte("live"), now.Add(5*time.Minute))
		mustSet(t, s, "x2", []byte("x2"), now.Add(2*time.Minute))
		c.Advance(3 * time.Minute) // x1 and x2 expire; no sweep yet
		wantLen(t, s, 3)

		// "new" expires before "live": at the cap the expired records
		// must go first, so "live" stays, and "new" is stored.
		mustSet(t, s, "new", []byte("new"), c.Now().Add(time.Minute))
		wantLen(t, s, 2)
		wantGet(t, s, "live", []byte("live"))
		wantGet(t, s, "new", []byte("new"))
		wantNotFound(t, s, "x1")
		wantNotFound(t, s, "x2")

		// And with room left, nothing more is evicted.
		mustSet(t, s, "third", []byte("third"), c.Now().Add(10*time.Minute))
		wantLen(t, s, 3)
		wantGet(t, s, "live", []byte("live"))
		wantGet(t, s, "new", []byte("new"))
	})

	t.Run("one expired frees one slot", func(t *testing.T) {
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{MaxSessions: 3})
		now := c.Now()
		mustSet(t, s, "old", []byte("old"), now.Add(1*time.Minute))
		mustSet(t, s, "b", []byte("b"), now.Add(5*time.Minute))
		mustSet(t, s, "c", []byte("c"), now.Add(6*time.Minute))
		c.Advance(2 * time.Minute)
		mustSet(t, s, "d", []byte("d"), c.Now().Add(time.Minute))
		wantLen(t, s, 3)
		wantNotFound(t, s, "old")
		wantGet(t, s, "b", []byte("b"))
		wantGet(t, s, "c", []byte("c"))
		wantGet(t, s, "d", []byte("d"))
	})

	t.Run("caps", func(t *testing.T) {
		tests := []struct {
			name string
			max  int
			n    int
			want int
		}{
			{"cap 1", 1, 5, 1},
			{"cap 3", 3, 10, 3},
			{"under the cap", 10, 5, 5},
			{"zero is the default", 0, memstore.DefaultMaxSessions + 10, memstore.DefaultMaxSessions},
			{"negative is no cap", -1, memstore.DefaultMaxSessions + 10, memstore.DefaultMaxSessions + 10},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := newFakeClock()
				s := newStore(t, c, memstore.Options{MaxSessions: tt.max})
				now := c.Now()
				data := []byte("x")
				for i := range tt.n {
					mustSet(t, s, fmt.Sprint(i), data, now.Add(time.Hour+time.Duration(i)*time.Millisecond))
				}
				wantLen(t, s, tt.want)
				// The survivors are the ones expiring last.
				wantGet(t, s, fmt.Sprint(tt.n-1), data)
				if tt.want < tt.n {
					wantNotFound(t, s, fmt.Sprint(tt.n-tt.want-1))
				}
			})
		}
	})

	t.Run("warning is logged once", func(t *testing.T) {
		var buf bytes.Buffer
		c := newFakeClock()
		s := newStore(t, c, memstore.Options{
			MaxSessions: 2,
			Logger:      slog.New(slog.NewTextHandler(&buf, nil)),
		})
		for i := range 10 {
			mustSet(t, s, fmt.Sprint(i), []byte("x"), c.Now().Add(time.Duration(i+1)*time.Minute))
		}
		if got := strings.Count(buf.String(), "MaxSessions reached"); got != 1 {
			t.Errorf("eviction warning logged %d times, want 1; log:\n%s", got, buf.String())
		}
	})
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	c := newFakeClock()
	s := memstore.New(memstore.Options{Now: c.Now, Logger: discardLogger()})
	mustSet(t, s, "before", []byte("b"), c.Now().Add(time.Hour))
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}

	// The store keeps answering after Close.
	wantGet(t, s, "before", []byte("b"))
	mustSet(t, s, "after", []byte("a"), c.Now().Add(time.Minute))
	wantGet(t, s, "after", []byte("a"))
	if err := s.Touch(ctx, "after", c.Now().Add(2*time.Hour)); err != nil {
		t.Errorf("Touch after Close = %v, want nil", err)
	}
	if err := s.Destroy(ctx, "before"); err != nil {
		t.Errorf("Destroy after Close = %v, want nil", err)
	}
	wantNotFound(t, s, "before")
	c.Advance(3 * time.Hour)
	if n := s.Sweep(); n != 1 {
		t.Errorf("Sweep after Close = %d, want 1", n)
	}
	wantLen(t, s, 0)
}

// TestConcurrent hammers one store from several goroutines. Run it with
// -race. Each goroutine also owns ids no other goroutine touches and
// remembers its last operation on each; at the end Len must equal the
// number of owned ids whose last operation was a Set.
func TestConcurrent(t *testing.T) {
	const (
		workers = 8
		ops     = 3000
		owned   = 16 // ids per worker
		shared  = 8  // ids every worker uses
	)
	ctx := context.Background()
	c := newFakeClock()
	s := newStore(t, c, memstore.Options{MaxSessions: -1})

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		alive = make(map[string]bool) // owned id -> last op was Set
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			mine := make(map[string][]byte) // owned id -> data, when set
			for i := range ops {
				// Owned ids: never expire within the test.
				id := fmt.Sprintf("w%d-%d", w, rng.IntN(owned))
				far := c.Now().Add(1000 * time.Hour)
				switch rng.IntN(4) {
				case 0:
					data := fmt.Appendf(nil, "%s#%d", id, i)
					if err := s.Set(ctx, id, data, far); err != nil {
						t.Errorf("Set(%q) = %v", id, err)
					}
					mine[id] = data
				case 1:
					got, _, err := s.Get(ctx, id)
					if want, ok := mine[id]; ok {
						if err != nil || !bytes.Equal(got, want) {
							t.Errorf("Get(%q) = %q, %v; want %q, nil", id, got, err, want)
						}
					} else if !errors.Is(err, session.ErrNotFound) {
						t.Errorf("Get(%q) = %q, %v; want ErrNotFound", id, got, err)
					}
				case 2:
					if err := s.Touch(ctx, id, far.Add(time.Hour)); err != nil {
						t.Errorf("Touch(%q) = %v", id, err)
					}
				case 3:
					if err := s.Destroy(ctx, id); err != nil {
						t.Errorf("Destroy(%q) = %v", id, err)
					}
					delete(mine, id)
				}

				// Shared ids: any outcome is valid, but nothing may race
				// or fail. Expiries straddle now, and the clock moves.
				sid := fmt.Sprintf("shared-%d", rng.IntN(shared))
				exp := c.Now().Add(time.Duration(rng.IntN(120)-30) * time.Second)
				switch rng.IntN(6) {
				case 0:
					if err := s.Set(ctx, sid, []byte(sid), exp); err != nil {
						t.Errorf("Set(%q) = %v", sid, err)
					}
				case 1:
					got, _, err := s.Get(ctx, sid)
					if err == nil && string(got) != sid {
						t.Errorf("Get(%q) = %q, want %q", sid, got, sid)
					} else if err != nil && !errors.Is(err, session.ErrNotFound) {
						t.Errorf("Get(%q) error = %v, want nil or ErrNotFound", sid, err)
					}
				case 2:
					if err := s.Touch(ctx, sid, exp); err != nil {
						t.Errorf("Touch(%q) = %v", sid, err)
					}
				case 3:
					if err := s.Destroy(ctx, sid); err != nil {
						t.Errorf("Destroy(%q) = %v", sid, err)
					}
				case 4:
					s.Sweep()
				case 5:
					c.Advance(time.Second)
					_ = s.Len()
				}
			}
			mu.Lock()
			for id := range mine {
				alive[id] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()

	for i := range shared {
		if err := s.Destroy(ctx, fmt.Sprintf("shared-%d", i)); err != nil {
			t.Fatalf("Destroy(shared-%d) = %v", i, err)
		}
	}
	if len(alive) == 0 {
		t.Fatalf("no owned id ended alive; the test exercises nothing")
	}
	wantLen(t, s, len(alive))
	for w := range workers {
		for k := range owned {
			id := fmt.Sprintf("w%d-%d", w, k)
			if alive[id] {
				if _, _, err := s.Get(ctx, id); err != nil {
					t.Errorf("Get(%q) = %v, want the record", id, err)
				}
			} else {
				wantNotFound(t, s, id)
			}
		}
	}
	// Nothing owned has expired, so a sweep must not change the count.
	if n := s.Sweep(); n != 0 {
		t.Errorf("final Sweep() = %d, want 0", n)
	}
	wantLen(t, s, len(alive))
}
