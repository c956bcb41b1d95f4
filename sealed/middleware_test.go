package sealed_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

var testKey, _ = sealed.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

var counter = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n, _ := session.Get[int](s, "visits")
	if err := s.Set("visits", n+1); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	io.WriteString(w, strconv.Itoa(n+1))
})

var reader = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, _ := session.Get[int](session.From(r), "visits")
	io.WriteString(w, strconv.Itoa(n))
})

// newManager returns a sealed manager for o, sealing with keys (testKey
// when none).
func newManager(t *testing.T, o session.SealedOptions, keys ...sealed.Key) *session.SealedManager {
	t.Helper()
	if len(keys) == 0 {
		keys = []sealed.Key{testKey}
	}
	box, err := sealed.NewBox(keys...)
	if err != nil {
		t.Fatal(err)
	}
	o.Sealer = box
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := session.NewSealed(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func serve(h http.Handler, cookie string) *http.Response {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func bodyOf(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func pair(res *http.Response) string {
	p, _, _ := strings.Cut(res.Header.Get("Set-Cookie"), ";")
	return p
}

func TestCountsWithNoStore(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	srv := httptest.NewServer(m.Handler(counter))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for want := 1; want <= 3; want++ {
		res, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got := bodyOf(res); got != strconv.Itoa(want) {
			t.Fatalf("visit %d: %q", want, got)
		}
		sc := res.Header.Get("Set-Cookie")
		if !strings.HasPrefix(sc, "session=") || !strings.HasSuffix(sc, "; Path=/; HttpOnly; SameSite=Lax") || !strings.Contains(sc, "%3B") {
			t.Fatalf("Set-Cookie %q: want session=<box>%%3B<nonce>; Path=/; HttpOnly; SameSite=Lax", sc)
		}
	}
}

func TestReadOnlyRequestSendsNothing(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	cookie := pair(serve(m.Handler(counter), ""))
	res := serve(m.Handler(reader), cookie)
	if bodyOf(res) != "1" || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("read-only request: body %q, Set-Cookie %q; want 1 and no cookie", bodyOf(res), res.Header.Get("Set-Cookie"))
	}
	if res := serve(m.Handler(reader), ""); res.Header.Get("Set-Cookie") != "" {
		t.Fatal("an untouched new session sent a cookie")
	}
}

func TestBadCookiesAreEmptySessions(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	good := pair(serve(m.Handler(counter), ""))
	other, _ := sealed.GenerateKey()
	foreign := pair(serve(newManager(t, session.SealedOptions{}, other).Handler(counter), ""))
	expired := "session=Ud96okFkWI6vUcvhUV%2FyMV%2Bx6B%2BUyis27Z%2B%2B05Gj7i0Ndsxs3sS%2FhnIYAJhG9Q%3D%3D%3BgIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaX"
	for name, cookie := range map[string]string{
		"tampered":       good[:20] + "A" + good[21:],
		"truncated":      good[:len(good)-10],
		"wrong key":      foreign,
		"expired vector": expired,
		"garbage":        "session=%ff%fe;;",
		"raw semicolon":  strings.Replace(good, "%3B", ";", 1),
		"oversized":      "session=" + strings.Repeat("A", 9000),
	} {
		res := serve(m.Handler(counter), cookie)
		if res.StatusCode != 200 || bodyOf(res) != "1" {
			t.Errorf("%s: status %d body %q; want 200 and a new session at 1", name, res.StatusCode, bodyOf(res))
		}
	}
}

func TestExpiredVectorOpensUnderLongExpiry(t *testing.T) {
	// §4.8's cookie has __ts 1700000000: expired under the default expiry,
	// valid under one long enough.
	m := newManager(t, session.SealedOptions{Expiry: 100 * 365 * 24 * time.Hour})
	expired := "session=Ud96okFkWI6vUcvhUV%2FyMV%2Bx6B%2BUyis27Z%2B%2B05Gj7i0Ndsxs3sS%2FhnIYAJhG9Q%3D%3D%3BgIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaX"
	if got := bodyOf(serve(m.Handler(reader), expired)); got != "1" {
		t.Fatalf("vector under a long expiry: visits %q, want 1", got)
	}
}

func TestKeyRotationReissues(t *testing.T) {
	oldM := newManager(t, session.SealedOptions{})
	cookie := pair(serve(oldM.Handler(counter), ""))
	newKey, _ := sealed.GenerateKey()
	rotated := newManager(t, session.SealedOptions{}, newKey, testKey)
	res := serve(rotated.Handler(reader), cookie)
	if bodyOf(res) != "1" {
		t.Fatal("old-key cookie did not open after rotation")
	}
	again := pair(res)
	if again == "" || again == cookie {
		t.Fatalf("read-only request on an old-key cookie: Set-Cookie %q; want it re-sealed", again)
	}
	onlyNew := newManager(t, session.SealedOptions{}, newKey)
	if got := bodyOf(serve(onlyNew.Handler(reader), again)); got != "1" {
		t.Fatalf("re-sealed cookie does not open with the new key alone: %q", got)
	}
}

func TestDestroySendsDeletionCookie(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	cookie := pair(serve(m.Handler(counter), ""))
	res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Destroy(r.Context()); err != nil {
			t.Error(err)
		}
	})), cookie)
	want := "session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
	if got := res.Header.Get("Set-Cookie"); got != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
}

func TestRegenerateAndMaxAge(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	cookie := pair(serve(m.Handler(counter), ""))
	res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.Regenerate(r.Context()); err != nil {
			t.Error(err)
		}
		s.Set("user", "alice")
		s.SetMaxAge(time.Hour)
	})), cookie)
	if !strings.Contains(res.Header.Get("Set-Cookie"), "; Max-Age=3600; Path=/;") {
		t.Fatalf("Set-Cookie %q: want Max-Age=3600", res.Header.Get("Set-Cookie"))
	}
	if got := bodyOf(serve(m.Handler(reader), pair(res))); got != "0" {
		t.Fatalf("visits after Regenerate(keepData=false): %q, want 0", got)
	}
}

func TestTooLargeIsAnError(t *testing.T) {
	m := newManager(t, session.SealedOptions{})
	limit := m.MaxPayload()
	if limit < 2500 || limit > 2800 {
		t.Fatalf("MaxPayload = %d, want about 2.6 KB", limit)
	}
	var setErr error
	var lines []string
	// Fill the session as far as it goes, then one byte more.
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		big := strings.Repeat("x", limit-len(`{"__ts":1795458158,"big":""}`)-10)
		if err := s.Set("big", big); err != nil {
			t.Fatalf("Set of %d bytes, under MaxPayload %d: %v", len(big), limit, err)
		}
		setErr = s.Set("more", strings.Repeat("y", 64))
	}))
	for range 50 { // random nonces vary the percent-encoded length
		res := serve(h, "")
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		lines = append(lines, res.Header.Get("Set-Cookie"))
	}
	if !errors.Is(setErr, session.ErrCookieTooLarge) {
		t.Fatalf("Set past MaxPayload: %v, want ErrCookieTooLarge", setErr)
	}
	longest := 0
	for _, l := range lines {
		longest = max(longest, len(l))
	}
	if longest > session.MaxCookieSize || longest < 3500 {
		t.Fatalf("largest Set-Cookie %d bytes: want it near, never over, %d", longest, session.MaxCookieSize)
	}
	t.Logf("MaxPayload %d bytes of JSON; largest Set-Cookie over 50 seals: %d bytes", limit, longest)
}
