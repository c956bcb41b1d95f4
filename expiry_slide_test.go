package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// expiryStore records the expiry of every write.
type expiryStore struct {
	*memstore.Store
	last time.Time
}

func (e *expiryStore) Set(ctx context.Context, id string, b []byte, exp time.Time) error {
	e.last = exp
	return e.Store.Set(ctx, id, b, exp)
}

func (e *expiryStore) Patch(ctx context.Context, id string, p *session.Patch, exp time.Time) ([]byte, error) {
	e.last = exp
	return e.Store.Patch(ctx, id, p, exp)
}

// A write during the handler (Increment, Save) stores the session until
// now + MaxAge, as the cookie the response sends, not until the expiry it
// was loaded with: an active visitor's session must not expire under them
// (found by the soak test: counts reset MaxAge after creation).
func TestWriteDuringHandlerSlidesTheStoredExpiry(t *testing.T) {
	st := &expiryStore{Store: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: st, Cookie: session.CookieOptions{MaxAge: time.Hour}})
	// A session last saved 50 minutes ago: its record's cookie expires in 10.
	id := "a-session-saved-fifty-minutes-ago-0000"
	old := time.Now().Add(10 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
	rec := `{"cookie":{"originalMaxAge":3600000,"expires":"` + old + `","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`
	if err := st.Store.Set(context.Background(), id, []byte(rec), time.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	cookie := "connect.sid=" + url.QueryEscape("s:"+session.Sign(id, testSecret))
	for _, op := range []string{"increment", "save"} {
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			if op == "increment" {
				if _, err := s.Increment(r.Context(), "visits", 1); err != nil {
					t.Error(err)
				}
				return
			}
			s.Set("seen", op)
			if err := s.Save(r.Context()); err != nil {
				t.Error(err)
			}
		}))
		before := time.Now()
		res := serve(h, "GET", "/", cookie)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", op, res.StatusCode)
		}
		if want := before.Add(time.Hour); st.last.Before(want.Add(-time.Second)) {
			t.Errorf("%s: stored until %v, want about %v (now + MaxAge)", op, st.last, want)
		}
	}
}

// A session whose record expires while a request runs (it was live when
// the request loaded it) is not patched back to life under its old ID,
// which the store no longer knows: the request's change goes to a new
// session, with a new ID and cookie, as a request a moment later would
// have had.
func TestRecordExpiringDuringRequestStartsANewSession(t *testing.T) {
	const lifetime = 100 * time.Millisecond
	m, store, _ := newManager(t, session.Options{Cookie: session.CookieOptions{MaxAge: lifetime}})
	for _, op := range []string{"increment", "save"} {
		t.Run(op, func(t *testing.T) {
			first := serve(m.Handler(counter), "GET", "/", "")
			cookie := sessionCookie(t, first)
			if cookie == "" {
				t.Fatal("no cookie")
			}
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				if n, _ := session.Get[int](s, "visits"); n != 1 {
					t.Errorf("loaded visits %d, want 1", n)
				}
				// The record expires while the handler works.
				time.Sleep(lifetime + 50*time.Millisecond)
				if op == "increment" {
					n, err := s.Increment(r.Context(), "visits", 1)
					if err != nil || n != 1 {
						t.Errorf("Increment = %d, %v; want 1 (a new session)", n, err)
					}
					return
				}
				s.Set("seen", true)
				if err := s.Save(r.Context()); err != nil {
					t.Error(err)
				}
			}))
			res := serve(h, "GET", "/", cookie)
			next := sessionCookie(t, res)
			if res.StatusCode != 200 || next == "" || next == cookie {
				t.Fatalf("status %d, cookie %q: want 200 and a new session's cookie", res.StatusCode, next)
			}
			oldID := idOf(t, cookie)
			if _, _, err := store.Get(context.Background(), oldID); !errors.Is(err, session.ErrNotFound) {
				t.Errorf("the expired session's ID is back in the store: %v", err)
			}
			rec, _, err := store.Get(context.Background(), idOf(t, next))
			if err != nil {
				t.Fatal(err)
			}
			want := `"visits":1`
			if op == "save" {
				want = `"seen":true`
			}
			if !strings.Contains(string(rec), want) || (op == "save" && strings.Contains(string(rec), "visits")) {
				t.Errorf("new session's record %s: want only this request's change (%s)", rec, want)
			}
		})
	}
}

// The same when the Manager cannot see it coming: the store's clock says
// the record has expired while the Manager's says it has not (the record
// ends between the Manager's check and the store's write). The store's
// Patch refuses to bring the record back (ErrNotFound), and the Manager
// starts a new session. Destroyed meanwhile by another request is the
// same to the store.
func TestPatchOfAGoneRecordStartsANewSession(t *testing.T) {
	var ahead atomic.Int64 // the store's clock runs this far ahead
	store := memstore.New(memstore.Options{Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
	t.Cleanup(func() { store.Close() })
	m, _, _ := newManager(t, session.Options{Store: store, Cookie: session.CookieOptions{MaxAge: time.Hour}})
	for _, gone := range []string{"expired", "destroyed"} {
		t.Run(gone, func(t *testing.T) {
			ahead.Store(0)
			// A session whose record expires in a minute.
			oldID := "a-session-with-a-minute-left-" + gone
			rec := `{"cookie":{"originalMaxAge":3600000,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":7}`
			if err := store.Set(context.Background(), oldID, []byte(rec), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			cookie := "connect.sid=" + url.QueryEscape("s:"+session.Sign(oldID, testSecret))
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				if n, _ := session.Get[int](s, "visits"); n != 7 {
					t.Errorf("loaded visits %d, want 7", n)
				}
				if gone == "expired" {
					ahead.Store(int64(2 * time.Minute))
				} else if err := store.Destroy(r.Context(), oldID); err != nil {
					t.Error(err)
				}
				n, err := s.Increment(r.Context(), "visits", 1)
				if err != nil || n != 1 {
					t.Errorf("Increment = %d, %v; want 1 (a new session)", n, err)
				}
			}))
			res := serve(h, "GET", "/", cookie)
			next := sessionCookie(t, res)
			if res.StatusCode != 200 || next == "" || idOf(t, next) == oldID {
				t.Fatalf("status %d, cookie %q: want 200 and a new session's cookie", res.StatusCode, next)
			}
			if _, _, err := store.Get(context.Background(), oldID); !errors.Is(err, session.ErrNotFound) {
				t.Errorf("the %s session's ID is back in the store: %v", gone, err)
			}
			got, _, err := store.Get(context.Background(), idOf(t, next))
			if err != nil || !strings.Contains(string(got), `"visits":1`) {
				t.Fatalf("new session's record %s, %v: want visits 1", got, err)
			}
		})
	}
}
