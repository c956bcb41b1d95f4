package session_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// Two managers in one request: each handler reaches each session through
// its manager's From, and session.From gives the innermost.
func TestTwoManagersInOneRequest(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	sm := newSealedManager(t)
	var innermost bool
	h := m.Handler(sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server, sealed := m.From(r), sm.From(r)
		if server == nil || sealed == nil || server == sealed {
			t.Errorf("m.From %p, sm.From %p: want two sessions", server, sealed)
			return
		}
		innermost = session.From(r) == sealed
		a, err1 := server.Increment(r.Context(), "server", 1)
		b, err2 := sealed.Increment(r.Context(), "sealed", 10)
		if err1 != nil || err2 != nil {
			t.Errorf("Increment: %v, %v", err1, err2)
		}
		fmt.Fprint(w, a, b)
	})))
	jar := map[string]string{}
	for i, want := range []string{"1 10", "2 20", "3 30"} {
		var sent []string
		for _, pair := range jar {
			sent = append(sent, pair)
		}
		res := serve(h, "GET", "/", strings.Join(sent, "; "))
		if got := body(t, res); got != want {
			t.Fatalf("request %d: %q, want %q", i+1, got, want)
		}
		for _, sc := range res.Header.Values("Set-Cookie") {
			pair, _, _ := strings.Cut(sc, ";")
			name, _, _ := strings.Cut(pair, "=")
			jar[name] = pair
		}
	}
	if !innermost {
		t.Error("session.From is not the innermost (sealed) session")
	}
	if m.From(serveReq(t)) != nil {
		t.Error("m.From on a request outside the middleware is not nil")
	}
}

func serveReq(t *testing.T) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", "http://example.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Under http.StripPrefix the cookie path is matched against the path the
// client sent, as express-session matches originalUrl under a mount; the
// prefix itself (an empty path once stripped) is served too.
func TestCookiePathUnderStripPrefix(t *testing.T) {
	tests := []struct {
		cookiePath, target string
		want               bool // a session
	}{
		{"/foo/bar", "/foo/bar", true},
		{"/foo/bar", "/foo/bar/baz?x=1", true},
		{"/foo/bar", "/foo/foo/bar", false},
		{"/foo/bar", "/foo/other", false},
		{"/foo", "/foo", true},
		{"/", "/foo", true},
	}
	for _, tc := range tests {
		t.Run(tc.cookiePath+" "+tc.target, func(t *testing.T) {
			m, _, _ := newManager(t, session.Options{Cookie: session.CookieOptions{Path: tc.cookiePath}})
			sm := newSealedManagerWith(t, session.SealedOptions{Sealer: newGCMSealer(t), Cookie: session.CookieOptions{Path: tc.cookiePath}})
			for name, mw := range map[string]func(http.Handler) http.Handler{"server": m.Handler, "sealed": sm.Handler} {
				var got bool
				h := http.StripPrefix("/foo", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got = session.From(r) != nil
				})))
				serve(h, "GET", tc.target, "")
				if got != tc.want {
					t.Errorf("%s: session %v, want %v", name, got, tc.want)
				}
			}
		})
	}
}

// The sealed middleware honours Cookie.Path as the server-side one does.
func TestSealedCookiePathGate(t *testing.T) {
	sm := newSealedManagerWith(t, session.SealedOptions{Sealer: newGCMSealer(t), Cookie: session.CookieOptions{Path: "/app"}})
	var got *session.Session
	h := sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = sm.From(r) }))
	serve(h, "GET", "/other", "")
	if got != nil {
		t.Error("a request to /other under Path /app got a sealed session")
	}
	serve(h, "GET", "/app/x", "")
	if got == nil {
		t.Error("a request to /app/x under Path /app got no sealed session")
	}
}
