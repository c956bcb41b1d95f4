package session_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// FuzzHeaderToken sends arbitrary token headers through a header-transport
// middleware that holds one real session. It must never fail the request,
// never set a cookie, and never load a session for a token other than the
// exact one its secret signs for that ID; a token it refuses gets a new
// session and a fresh token.
func FuzzHeaderToken(f *testing.F) {
	const secret = "keyboard cat"
	const liveID = "P2cf-ED_hwaHIsargia0IgbVp3CSWyOn"
	live := "s:" + session.Sign(liveID, secret)
	for _, s := range []string{
		live,
		" " + live + "\t",
		live[:len(live)-1] + "x",
		live + "=",
		strings.Replace(live, ":", "%3A", 1),
		"s:" + session.Sign(liveID, "another secret"),
		"s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU",
		liveID, "s:", "s:.", "", " ", "%ff%fe", `"` + live + `"`, live + ", " + live,
		"s:" + strings.Repeat("a", 4100) + ".x",
	} {
		f.Add(s)
	}
	// The live session expires last, so the cap never evicts it.
	store := memstore.New(memstore.Options{MaxSessions: 1000})
	defer store.Close()
	if err := store.Set(context.Background(), liveID, []byte(`{"cookie":{"path":"/"},"live":true}`), time.Now().AddDate(10, 0, 0)); err != nil {
		f.Fatal(err)
	}
	m, err := session.New(session.Options{Secrets: []string{secret}, Store: store, Header: "X-Session-Token",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if s.IsNew() {
			_ = s.Set("n", 1) // so that a new session is saved and gets its token
		}
		w.Header().Set("X-ID", s.ID())
		if s.IsNew() {
			w.Header().Set("X-New", "1")
		}
	}))
	f.Fuzz(func(t *testing.T, token string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Session-Token"] = []string{token}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		if res.StatusCode != 200 {
			t.Fatalf("token %q: status %d", token, res.StatusCode)
		}
		if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Fatalf("token %q: Set-Cookie %q", token, sc)
		}
		id, sent := res.Header.Get("X-ID"), res.Header.Get("X-Session-Token")
		if res.Header.Get("X-New") == "" {
			// Loaded: the token must be exactly what this server signs.
			if strings.Trim(token, " \t") != "s:"+session.Sign(id, secret) || id != liveID {
				t.Fatalf("token %q loaded session %q, which it does not sign", token, id)
			}
			if sent != "" {
				t.Fatalf("token %q: a loaded, unmodified session re-sent %q", token, sent)
			}
			return
		}
		if id == liveID || sent != "s:"+session.Sign(id, secret) {
			t.Fatalf("token %q: new session %q sent token %q", token, id, sent)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("token %q: Cache-Control %q", token, res.Header.Get("Cache-Control"))
		}
	})
}
