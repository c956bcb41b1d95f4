package session_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/session"
)

// recorder is an Observer that counts what it sees.
type recorder struct {
	mu     sync.Mutex
	events map[string]int
	calls  map[string]int
}

func newRecorder() *recorder {
	return &recorder{events: map[string]int{}, calls: map[string]int{}}
}

func (r *recorder) StoreCall(ctx context.Context, op session.StoreOp) (context.Context, func(error)) {
	return ctx, func(err error) {
		outcome := "ok"
		switch {
		case errors.Is(err, session.ErrNotFound):
			outcome = "miss"
		case err != nil:
			outcome = "error"
		}
		r.mu.Lock()
		r.calls[string(op)+":"+outcome]++
		r.mu.Unlock()
	}
}

func (r *recorder) Event(_ context.Context, e session.Event, reason session.Reason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := e.String()
	if reason != session.ReasonNone {
		k += ":" + reason.String()
	}
	r.events[k]++
}

func (r *recorder) take() (map[string]int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, c := r.events, r.calls
	r.events, r.calls = map[string]int{}, map[string]int{}
	return e, c
}

func sameCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %q = %d, want %d (all: %v)", what, k, got[k], v, got)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %q = %d", what, k, v)
		}
	}
}

func TestObserverSeesEveryEventAndStoreCall(t *testing.T) {
	rec := newRecorder()
	m, _, _ := newManager(t, session.Options{Observer: rec, Renew: session.RenewEveryRequest()})
	h := m.Handler(authApp(t))
	d := &device{h: h}

	steps := []struct {
		name         string
		do           func()
		events, call map[string]int
	}{
		{"anonymous read", func() { d.get(t, "/me") }, map[string]int{}, map[string]int{}},
		{"new visitor", func() { d.get(t, "/visit") },
			map[string]int{"created": 1, "saved": 1}, map[string]int{"set:ok": 1}},
		{"returning", func() { d.get(t, "/visit") },
			map[string]int{"loaded": 1, "saved": 1}, map[string]int{"get:ok": 1, "patch:ok": 1}},
		{"read only", func() { d.get(t, "/me") },
			map[string]int{"loaded": 1, "touched": 1}, map[string]int{"get:ok": 1, "touch:ok": 1}},
		{"sign in", func() { d.get(t, "/login?user=ann") },
			map[string]int{"loaded": 1, "destroyed": 1, "created": 1, "saved": 1},
			map[string]int{"get:ok": 1, "destroy:ok": 1, "set:ok": 1}},
		{"list", func() { d.get(t, "/sessions") },
			map[string]int{"loaded": 1, "touched": 1}, map[string]int{"get:ok": 1, "user_sessions:ok": 1, "touch:ok": 1}},
		{"forged", func() {
			// Another ID under the same signature: the ID is base64url, so
			// changing its first character keeps the cookie well-formed.
			c := []byte(d.cookie)
			i := len("connect.sid=s%3A")
			if c[i] == 'A' {
				c[i] = 'B'
			} else {
				c[i] = 'A'
			}
			(&device{h: h, cookie: string(c)}).get(t, "/me")
		}, map[string]int{"rejected:forged": 1}, map[string]int{}},
		{"garbage", func() { (&device{h: h, cookie: "connect.sid=hello"}).get(t, "/me") },
			map[string]int{"rejected:garbage": 1}, map[string]int{}},
		{"too large", func() { (&device{h: h, cookie: "connect.sid=s%3A" + strings.Repeat("a", 5000) + ".b"}).get(t, "/me") },
			map[string]int{"rejected:too_large": 1}, map[string]int{}},
	}
	for _, st := range steps {
		st.do()
		events, calls := rec.take()
		sameCounts(t, st.name+": event", events, st.events)
		sameCounts(t, st.name+": store call", calls, st.call)
	}
	// A session that has gone from the store: expired.
	signedIn := d.cookie
	d.get(t, "/logout")
	rec.take()
	(&device{h: h, cookie: signedIn}).get(t, "/me")
	events, calls := rec.take()
	sameCounts(t, "gone: event", events, map[string]int{"expired:expired": 1})
	sameCounts(t, "gone: store call", calls, map[string]int{"get:miss": 1})
}

func TestObserverStoreErrors(t *testing.T) {
	rec := newRecorder()
	fs := &faultyStore{Store: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Observer: rec, Store: fs})
	h := m.Handler(counter)
	res := serve(h, "GET", "/", "")
	cookie := sessionCookie(t, res)
	rec.take()
	fs.setDown(true)
	if res := serve(h, "GET", "/", cookie); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d, want 503", res.StatusCode)
	}
	_, calls := rec.take()
	sameCounts(t, "store down", calls, map[string]int{"get:error": 1})
}

func TestObserverSealed(t *testing.T) {
	rec := newRecorder()
	sm := newSealedManagerWith(t, session.SealedOptions{Sealer: newGCMSealer(t), Observer: rec})
	sm2 := newSealedManager(t)
	d := &device{h: sm.Handler(authApp(t))}
	d.get(t, "/visit")
	d.get(t, "/visit")
	events, _ := rec.take()
	sameCounts(t, "sealed", events, map[string]int{"created": 1, "saved": 2, "loaded": 1})
	foreign := &device{h: sm2.Handler(authApp(t))}
	foreign.get(t, "/visit")
	(&device{h: d.h, cookie: foreign.cookie}).get(t, "/me")
	(&device{h: d.h, cookie: "session=xyz"}).get(t, "/me")
	events, _ = rec.take()
	sameCounts(t, "sealed rejects", events, map[string]int{"rejected:forged": 1, "rejected:garbage": 1})
}
