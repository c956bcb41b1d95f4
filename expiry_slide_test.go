package session_test

import (
	"context"
	"net/http"
	"net/url"
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
