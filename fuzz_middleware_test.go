package session_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

var middlewareSeeds = []string{
	"s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU",
	"s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU=",
	"s:", "%ff%fe", `"s:abc.x"`,
}

// FuzzMiddleware sends arbitrary Cookie headers through the middleware: a
// bad cookie is no cookie, never an error response.
func FuzzMiddleware(f *testing.F) {
	for _, s := range middlewareSeeds {
		f.Add("connect.sid=" + s)
	}
	store := memstore.New(memstore.Options{MaxSessions: 1000})
	defer store.Close()
	m, err := session.New(session.Options{Secrets: []string{"keyboard cat"}, Store: store,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler(counter)
	f.Fuzz(func(t *testing.T, cookie string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{cookie}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("Cookie %q: status %d", cookie, w.Code)
		}
		if !strings.HasPrefix(w.Header().Get("Set-Cookie"), "connect.sid=s%3A") {
			t.Fatalf("Cookie %q: no new session cookie", cookie)
		}
	})
}
