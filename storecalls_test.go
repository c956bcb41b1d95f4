package session_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// callLog is a memory store that records the calls the Manager makes: the
// method, whether its context had a deadline, and each patch's Base.
type callLog struct {
	s     *memstore.Store
	inMem bool

	mu       sync.Mutex
	calls    []string
	deadline []bool
	bases    [][]byte
	gets     [][]byte
}

func (c *callLog) note(ctx context.Context, call string) {
	_, ok := ctx.Deadline()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
	c.deadline = append(c.deadline, ok)
}

func (c *callLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls, c.deadline = nil, nil
	return calls
}

func (c *callLog) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	c.note(ctx, "get")
	b, exp, err := c.s.Get(ctx, id)
	c.mu.Lock()
	c.gets = append(c.gets, b)
	c.mu.Unlock()
	return b, exp, err
}

func (c *callLog) Set(ctx context.Context, id string, b []byte, exp time.Time) error {
	c.note(ctx, "set")
	return c.s.Set(ctx, id, b, exp)
}

func (c *callLog) Destroy(ctx context.Context, id string) error {
	c.note(ctx, "destroy")
	return c.s.Destroy(ctx, id)
}

func (c *callLog) Touch(ctx context.Context, id string, exp time.Time) error {
	c.note(ctx, "touch")
	return c.s.Touch(ctx, id, exp)
}

func (c *callLog) Patch(ctx context.Context, id string, p *session.Patch, exp time.Time) ([]byte, error) {
	c.note(ctx, "patch")
	c.mu.Lock()
	c.bases = append(c.bases, p.Base())
	c.mu.Unlock()
	return c.s.Patch(ctx, id, p, exp)
}

// inMemLog is a callLog that says it is InMemory.
type inMemLog struct{ *callLog }

func (inMemLog) InMemory() bool { return true }

func TestStoreCallsPerRequest(t *testing.T) {
	log := &callLog{s: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: log, Renew: session.RenewEveryRequest()})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/count" {
			if _, err := session.From(r).Increment(r.Context(), "visits", 1); err != nil {
				t.Error(err)
			}
		}
		_, _ = session.Get[int](session.From(r), "visits")
	}))
	cookie := visit(t, h, "/count", "")
	if got := log.take(); !slices.Equal(got, []string{"set"}) {
		t.Fatalf("new visitor: calls %q, want [set]", got)
	}
	tests := []struct {
		path string
		want []string
	}{
		// The patch wrote a fresh expiry: a touch after it is a wasted round trip.
		{"/count", []string{"get", "patch"}},
		// Nothing written: with RenewEveryRequest the expiry slides with a
		// touch, as express-session does.
		{"/read", []string{"get", "touch"}},
	}
	for _, tt := range tests {
		visit(t, h, tt.path, cookie)
		if got := log.take(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: calls %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestPatchBaseIsTheLoadedRecord(t *testing.T) {
	log := &callLog{s: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: log})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for range 2 { // the second patch's base is what the first wrote
			if _, err := s.Increment(r.Context(), "visits", 1); err != nil {
				t.Error(err)
			}
		}
	}))
	cookie := visit(t, h, "/", "")
	visit(t, h, "/", cookie)
	if len(log.gets) != 1 || len(log.bases) != 3 {
		t.Fatalf("%d gets and %d patches, want 1 and 3", len(log.gets), len(log.bases))
	}
	if !bytes.Equal(log.bases[1], log.gets[0]) {
		t.Errorf("first patch's base %s, want the loaded record %s", log.bases[1], log.gets[0])
	}
	if bytes.Equal(log.bases[2], log.bases[1]) || !bytes.Contains(log.bases[2], []byte(`"visits":3`)) {
		t.Errorf("second patch's base %s, want the record the first patch wrote", log.bases[2])
	}
	visit(t, h, "/", cookie)
	if len(log.gets) != 2 || !bytes.Contains(log.gets[1], []byte(`"visits":4`)) {
		t.Errorf("next visit loaded %q, want visits 4", log.gets[1:])
	}
}

func TestStoreTimeoutOnlyForStoresThatWait(t *testing.T) {
	for _, inMem := range []bool{false, true} {
		log := &callLog{s: newMemStore(t), inMem: inMem}
		var st session.Store = log
		if inMem {
			st = inMemLog{log}
		}
		m, _, _ := newManager(t, session.Options{Store: st})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := session.From(r).Set("k", "v"); err != nil {
				t.Error(err)
			}
		}))
		cookie := visit(t, h, "/", "")
		visit(t, h, "/", cookie)
		log.mu.Lock()
		for i, d := range log.deadline {
			if d == inMem {
				t.Errorf("InMemory %v: call %q has deadline %v, want %v", inMem, log.calls[i], d, !inMem)
			}
		}
		log.mu.Unlock()
	}
}

// visit requests path with cookie (a "name=value" pair, or "") and returns
// the cookie the response set, or the one sent when none was set.
func visit(t *testing.T, h http.Handler, path, cookie string) string {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, w.Code)
	}
	if c := w.Result().Cookies(); len(c) > 0 {
		return c[0].Name + "=" + c[0].Value
	}
	return cookie
}
