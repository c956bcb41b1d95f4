package session_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// A token whose signature verified is kept, so the next request with it
// skips the HMAC; a token that differs from it anywhere (the signature,
// the ID, the percent-encoding, another secret's signature) is verified
// afresh and refused, and never enters the cache, whatever came before.
func TestVerifiedTokenCacheRefusesLookAlikes(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	h := m.Handler(counter)
	first := sessionCookie(t, serve(h, http.MethodGet, "/", ""))
	if first == "" {
		t.Fatal("no cookie")
	}
	// Twice, so the second time the token comes from the cache.
	for i := 2; i <= 3; i++ {
		res := serve(h, http.MethodGet, "/", first)
		if got := body(t, res); got != strconv.Itoa(i) {
			t.Fatalf("request %d with the cookie: %q", i, got)
		}
	}
	value := strings.TrimPrefix(first, "connect.sid=")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	id := strings.TrimPrefix(value[:strings.LastIndexByte(value, '.')], "s%3A")
	forgedSig := "s%3A" + session.Sign(id, "another-secret-that-is-32-bytes-long")[len(id)+1:]
	for name, cookie := range map[string]string{
		"signature changed":   "connect.sid=" + flip(value, len(value)-2),
		"ID changed":          "connect.sid=" + flip(value, 5),
		"another secret":      "connect.sid=s%3A" + session.Sign(id, "another-secret-that-is-32-bytes-long"),
		"signature only":      "connect.sid=" + forgedSig,
		"truncated":           "connect.sid=" + value[:len(value)-1],
		"decoded differently": "connect.sid=" + strings.Replace(value, "s%3A", "s%3a", 1),
	} {
		for range 2 { // a refused token is not cached: refused again
			res := serve(h, http.MethodGet, "/", cookie)
			got, fresh := body(t, res), sessionCookie(t, res)
			if name == "decoded differently" {
				// %3a decodes to ":" as %3A does: the same signed value,
				// verified again (not taken from the cache) and accepted.
				if got == "1" || fresh != "" {
					t.Fatalf("%s: %q, want the existing session", name, got)
				}
				continue
			}
			if got != "1" || fresh == "" || fresh == first {
				t.Fatalf("%s: body %q, cookie %q: want a new session", name, got, fresh)
			}
		}
	}
}
