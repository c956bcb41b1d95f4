package session_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

const tokenHeader = "X-Session-Token"

// apiClient is a client without a cookie jar: it keeps the token the
// server sends and sends it back in the header, as a mobile app does.
type apiClient struct {
	h     http.Handler
	token string
}

// tokenResult is what one response said about the token.
type tokenResult struct {
	code   int
	body   string
	sent   bool   // the response carried the token header
	token  string // its value ("" when cleared)
	header http.Header
}

func (c *apiClient) do(t *testing.T, method, target string) tokenResult {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if c.token != "" {
		r.Header.Set(tokenHeader, c.token)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	res := w.Result()
	got := tokenResult{code: res.StatusCode, body: w.Body.String(), header: res.Header}
	if vs, ok := res.Header[tokenHeader]; ok {
		if len(vs) != 1 {
			t.Fatalf("%s %s: %d token headers: %q", method, target, len(vs), vs)
		}
		got.sent, got.token = true, vs[0]
		c.token = vs[0]
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Fatalf("%s %s: header transport set a cookie: %q", method, target, sc)
	}
	return got
}

// checkTokenResponse asserts the cache headers that must accompany a token.
func checkTokenResponse(t *testing.T, what string, res tokenResult) {
	t.Helper()
	if cc := res.header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
		t.Errorf("%s: Cache-Control = %q, want [no-store]", what, cc)
	}
	vary := false
	for _, v := range res.header.Values("Vary") {
		vary = vary || v == tokenHeader
	}
	if !vary {
		t.Errorf("%s: Vary = %q, want it to name %s", what, res.header.Values("Vary"), tokenHeader)
	}
}

// headerApp is authApp plus the routes the header tests need.
func headerApp(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", authApp(t))
	mux.Handle("/count", counter)
	mux.Handle("/read", reader)
	mux.HandleFunc("/regenerate", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Regenerate(r.Context(), session.KeepData()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/clear", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Clear()
	})
	mux.HandleFunc("/cached", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		counter(w, r)
	})
	return mux
}

func TestHeaderSessionWithoutCookieJar(t *testing.T) {
	m, _, _ := newManager(t, session.Options{Header: tokenHeader})
	srv := httptest.NewServer(m.Handler(counter))
	defer srv.Close()
	client := &http.Client{} // no Jar: only the header carries the session

	token := ""
	for i := 1; i <= 3; i++ {
		req, err := http.NewRequest("GET", srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set(tokenHeader, token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := body(t, res); got != strconv.Itoa(i) {
			t.Fatalf("call %d: body %q, want %d", i, got, i)
		}
		res.Body.Close()
		if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Fatalf("call %d: Set-Cookie %q", i, sc)
		}
		got, sent := res.Header[tokenHeader]
		switch {
		case i == 1 && (!sent || !strings.HasPrefix(got[0], "s:")):
			t.Fatalf("call 1: token header %q, want a signed token", got)
		case i == 1:
			token = got[0]
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("call 1: Cache-Control %q, want no-store", cc)
			}
			if v := res.Header.Get("Vary"); v != tokenHeader {
				t.Errorf("call 1: Vary %q, want %s", v, tokenHeader)
			}
		case sent:
			// A browser-session lifetime, no Rolling: express-session sends
			// the cookie once, and the token likewise.
			t.Fatalf("call %d: token re-sent: %q", i, got)
		}
	}
}

func TestHeaderLifecycle(t *testing.T) {
	type step struct {
		target string
		want   string // "new": a token different from the last; "same"; "cleared"; "none"
		body   string
	}
	cases := []struct {
		name  string
		opts  session.Options
		steps []step
	}{
		{"regenerate sends a new token", session.Options{}, []step{
			{"/count", "new", "1"},
			{"/read", "none", "1"},
			{"/regenerate", "new", ""},
			{"/read", "none", "1"}, // data kept, under the new token
		}},
		{"sign-in and sign-out send new tokens", session.Options{}, []step{
			{"/visit", "new", ""},
			{"/login?user=alice", "new", ""},
			{"/me", "none", "alice"},
			{"/logout", "new", ""},
			{"/me", "none", ""},
		}},
		{"destroy clears the token", session.Options{}, []step{
			{"/count", "new", "1"},
			{"/destroy", "cleared", ""},
			{"/read", "none", "0"}, // the client sends no token now
			{"/count", "new", "1"},
		}},
		{"rolling re-sends the token on every response", session.Options{Rolling: true, Renew: session.RenewEveryRequest()}, []step{
			{"/read", "none", "0"}, // an uninitialized session is not sent
			{"/count", "new", "1"},
			{"/read", "same", "1"},
			{"/count", "same", "2"},
		}},
		{"a persistent session re-sends its token when modified", session.Options{Cookie: session.CookieOptions{MaxAge: time.Hour}}, []step{
			{"/count", "new", "1"},
			{"/read", "none", "1"},
			{"/count", "same", "2"},
		}},
		{"save uninitialized sends a token at once", session.Options{SaveUninitialized: true}, []step{
			{"/read", "new", "0"},
			{"/read", "none", "0"},
		}},
		{"unset destroy clears the token", session.Options{Unset: session.UnsetDestroy}, []step{
			{"/count", "new", "1"},
			{"/clear", "cleared", ""},
			{"/read", "none", "0"},
		}},
		{"the handler's Cache-Control is replaced", session.Options{}, []step{
			{"/cached", "new", "1"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Header = tokenHeader
			m, store, _ := newManager(t, tc.opts)
			c := &apiClient{h: m.Handler(headerApp(t))}
			for i, st := range tc.steps {
				before := c.token
				res := c.do(t, "GET", st.target)
				what := fmt.Sprintf("step %d %s", i, st.target)
				if res.code != 200 {
					t.Fatalf("%s: status %d %s", what, res.code, res.body)
				}
				if res.body != st.body {
					t.Fatalf("%s: body %q, want %q", what, res.body, st.body)
				}
				switch st.want {
				case "none":
					if res.sent {
						t.Fatalf("%s: token sent: %q", what, res.token)
					}
					continue
				case "new":
					if !res.sent || res.token == "" || res.token == before {
						t.Fatalf("%s: token %q (sent %v), want a new one (had %q)", what, res.token, res.sent, before)
					}
				case "same":
					if !res.sent || res.token != before {
						t.Fatalf("%s: token %q (sent %v), want %q again", what, res.token, res.sent, before)
					}
				case "cleared":
					if !res.sent || res.token != "" {
						t.Fatalf("%s: token %q (sent %v), want an empty header", what, res.token, res.sent)
					}
				}
				checkTokenResponse(t, what, res)
				if before != "" && st.want != "same" {
					// The token replaced or cleared is dead.
					id := strings.TrimPrefix(before[:strings.LastIndexByte(before, '.')], "s:")
					if _, _, err := store.Get(context.Background(), id); !errors.Is(err, session.ErrNotFound) {
						t.Fatalf("%s: the old session is still stored (err %v)", what, err)
					}
				}
			}
		})
	}
}

// With Header set, cookies are ignored entirely, in both directions.
func TestHeaderIgnoresCookies(t *testing.T) {
	store := newMemStore(t)
	cookieM, _, _ := newManager(t, session.Options{Store: store})
	headerM, _, _ := newManager(t, session.Options{Store: store, Header: tokenHeader})
	cookieH, headerH := cookieM.Handler(counter), headerM.Handler(counter)

	// A browser session with 5 visits, and an API session with 1.
	browser := sessionCookie(t, serve(cookieH, "GET", "/", ""))
	for range 4 {
		serve(cookieH, "GET", "/", browser)
	}
	api := &apiClient{h: headerH}
	api.do(t, "GET", "/")

	cases := []struct {
		name      string
		cookie    bool
		token     bool
		wantBody  string
		wantToken string // "new", "none"
	}{
		{"cookie only: a new session, answered with a token", true, false, "1", "new"},
		{"header only", false, true, "2", "none"},
		{"both: the header wins", true, true, "3", "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.cookie {
				r.Header.Set("Cookie", browser)
			}
			if tc.token {
				r.Header.Set(tokenHeader, api.token)
			}
			w := httptest.NewRecorder()
			headerH.ServeHTTP(w, r)
			if w.Body.String() != tc.wantBody {
				t.Fatalf("body %q, want %q", w.Body.String(), tc.wantBody)
			}
			if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
				t.Fatalf("Set-Cookie %q from a header manager", sc)
			}
			tok, sent := w.Header()[tokenHeader]
			if sent != (tc.wantToken == "new") || sent && (tok[0] == api.token || tok[0] == "") {
				t.Fatalf("token header %q (sent %v), want %s", tok, sent, tc.wantToken)
			}
		})
	}
	// The browser session was neither read nor changed by the header manager.
	if got := body(t, serve(cookieM.Handler(reader), "GET", "/", browser)); got != "5" {
		t.Fatalf("browser session has %s visits, want 5", got)
	}
}

func TestHeaderBadTokens(t *testing.T) {
	rec := newRecorder()
	m, _, _ := newManager(t, session.Options{Header: tokenHeader, Observer: rec})
	h := m.Handler(headerApp(t))
	good := (&apiClient{h: h}).do(t, "GET", "/count").token
	otherM, _, _ := newManager(t, session.Options{Header: tokenHeader, Secrets: []string{"another-secret-that-is-32-bytes-long!"}})
	otherToken := (&apiClient{h: otherM.Handler(counter)}).do(t, "GET", "/").token
	rec.take()

	cases := []struct {
		name   string
		token  string
		reason string // "" for no rejection
	}{
		{"forged signature", otherLast(good), "forged"},
		{"another server's secret", otherToken, "forged"},
		{"the cookie's percent-encoded form", strings.Replace(good, ":", "%3A", 1), "garbage"},
		{"unsigned ID", strings.TrimPrefix(good[:strings.LastIndexByte(good, '.')], "s:"), "garbage"},
		{"garbage", "hello, world", "garbage"},
		{"oversized", "s:" + strings.Repeat("a", 5000) + "." + strings.Repeat("b", 43), "too_large"},
		{"oversized garbage", strings.Repeat("\xff", 4097), "too_large"},
		{"empty: no token", "", ""},
		{"only spaces: no token", "  \t ", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/count", nil)
			r.Header[tokenHeader] = []string{tc.token}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 || w.Body.String() != "1" {
				t.Fatalf("status %d body %q, want a new session's 200 \"1\"", w.Code, w.Body.String())
			}
			tok := w.Header().Get(tokenHeader)
			if !strings.HasPrefix(tok, "s:") || tok == good || tok == tc.token {
				t.Fatalf("token %q, want a fresh one", tok)
			}
			events, calls := rec.take()
			want := map[string]int{"created": 1, "saved": 1}
			if tc.reason != "" {
				want["rejected:"+tc.reason] = 1
			}
			sameCounts(t, "events", events, want)
			// A rejected token costs no store read.
			sameCounts(t, "store calls", calls, map[string]int{"set:ok": 1})
		})
	}
	// The good token still works after all that.
	c := &apiClient{h: h, token: good}
	if res := c.do(t, "GET", "/read"); res.body != "1" {
		t.Fatalf("good token reads %q, want 1", res.body)
	}
}

func TestHeaderOptions(t *testing.T) {
	for _, name := range []string{"X Session", "X-Token:", "Cookie", "set-cookie", "Vary", "cache-control", "Authorization", "X-Tök"} {
		_, err := session.New(session.Options{Secrets: []string{testSecret}, Store: newMemStore(t), Header: name})
		if !errors.Is(err, session.ErrInvalidOption) {
			t.Errorf("Header %q: err %v, want ErrInvalidOption", name, err)
		}
	}
	// A lower-case name works; the response uses the canonical form.
	m, _, _ := newManager(t, session.Options{Header: "x-session-token"})
	c := &apiClient{h: m.Handler(counter)}
	c.do(t, "GET", "/")
	if res := c.do(t, "GET", "/"); res.body != "2" {
		t.Fatalf("lower-case header name: second call body %q, want 2", res.body)
	}

	// SecureAlways withholds the token from plain HTTP, as it does the cookie.
	m, _, _ = newManager(t, session.Options{Header: tokenHeader,
		Cookie: session.CookieOptions{Secure: session.SecureAlways}})
	for _, target := range []string{"http://api.example/", "https://api.example/"} {
		w := httptest.NewRecorder()
		m.Handler(counter).ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		_, sent := w.Header()[tokenHeader]
		if want := strings.HasPrefix(target, "https:"); sent != want {
			t.Errorf("SecureAlways, %s: token sent %v, want %v", target, sent, want)
		}
	}

	// An ID a header cannot carry fails the request, before anything is stored.
	var got error
	m, store, _ := newManager(t, session.Options{
		Header:       tokenHeader,
		GenerateID:   func(*http.Request) (string, error) { return "an id\nwith a newline", nil },
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) { got = err; w.WriteHeader(500) },
	})
	if res := serve(m.Handler(counter), "GET", "/", ""); res.StatusCode != 500 {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	if !errors.Is(got, session.ErrInvalidOption) {
		t.Fatalf("error %v, want ErrInvalidOption", got)
	}
	if n := store.Len(); n != 0 {
		t.Fatalf("%d sessions stored", n)
	}
}

// Parallel API clients under -race: each keeps its own session, and
// parallel calls of one token lose no increment.
func TestHeaderConcurrentClients(t *testing.T) {
	m, _, _ := newManager(t, session.Options{Header: tokenHeader})
	visit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10))
	})
	srv := httptest.NewServer(m.Handler(visit))
	defer srv.Close()
	call := func(token string) (string, string, error) {
		req, err := http.NewRequest("POST", srv.URL, nil)
		if err != nil {
			return "", "", err
		}
		if token != "" {
			req.Header.Set(tokenHeader, token)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			return "", "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			return "", "", fmt.Errorf("status %d: %s", res.StatusCode, b)
		}
		return res.Header.Get(tokenHeader), string(b), err
	}

	const clients, calls = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, clients*calls)
	for range clients {
		wg.Go(func() {
			token, _, err := call("")
			if err != nil {
				errs <- err
				return
			}
			for i := 2; i <= calls; i++ {
				again, n, err := call(token)
				if err != nil || n != strconv.Itoa(i) || again != "" {
					errs <- fmt.Errorf("call %d: count %q token %q err %v", i, n, again, err)
				}
			}
		})
	}
	wg.Wait()

	token, _, err := call("")
	if err != nil {
		t.Fatal(err)
	}
	const parallel = 40
	for range parallel {
		wg.Go(func() {
			if _, _, err := call(token); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, n, err := call(token); err != nil || n != strconv.Itoa(parallel+2) {
		t.Fatalf("after %d parallel calls: count %q err %v, want %d", parallel, n, err, parallel+2)
	}
}

// otherLast returns v with its last character changed (to "A", or "B" when
// it is "A"): a signature that no longer verifies.
func otherLast(v string) string {
	if strings.HasSuffix(v, "A") {
		return v[:len(v)-1] + "B"
	}
	return v[:len(v)-1] + "A"
}
