package main

import (
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/cmd/visits/web"
	"github.com/sessionkit/session/memstore"
)

const (
	testSecret = "visits-test-secret-of-more-than-32-bytes"
	cookieName = "connect.sid"
)

// newStoreServer serves the app with sessions in a fresh memstore, and
// returns the store too.
func newStoreServer(t *testing.T) (*httptest.Server, *memstore.Store) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	store := memstore.New(memstore.Options{Logger: log})
	t.Cleanup(func() { _ = store.Close() })
	m, err := session.New(session.Options{Secrets: []string{testSecret}, Store: store, Logger: log})
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	a, err := newApp(log)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	srv := httptest.NewServer(a.routes(m))
	t.Cleanup(srv.Close) // runs before the store is closed
	return srv, store
}

// newTestServer serves the app with sessions in a fresh memstore.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := newStoreServer(t)
	return srv
}

// serverKinds are the app on server-side sessions and on sealed cookies,
// for the tests that run on both.
var serverKinds = []struct {
	name string
	srv  func(t *testing.T) *httptest.Server
}{
	{"memory", newTestServer},
	{"cookie", func(t *testing.T) *httptest.Server {
		return cookieApp(t, map[string]string{"SESSION_KEY": fastifyTestKey})
	}},
}

// visitor is a browser: a cookie jar, and redirects are not followed so
// that a 303 can be inspected.
type visitor struct {
	t         *testing.T
	srv       *httptest.Server
	http      *http.Client
	userAgent string // sent when not ""
}

func newVisitor(t *testing.T, srv *httptest.Server) *visitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookiejar.New: %v", err)
	}
	return &visitor{t: t, srv: srv, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a response with its body read.
type response struct {
	*http.Response
	body string
}

func (v *visitor) do(req *http.Request) response {
	v.t.Helper()
	res, err := v.http.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		v.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return response{res, string(b)}
}

func (v *visitor) get(path string) response {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.srv.URL+path, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	if v.userAgent != "" {
		req.Header.Set("User-Agent", v.userAgent)
	}
	return v.do(req)
}

// post sends a form as a same-origin browser form would, with the
// headers given as name, value pairs besides.
func (v *visitor) post(path string, form url.Values, headers ...string) response {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodPost, v.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if v.userAgent != "" {
		req.Header.Set("User-Agent", v.userAgent)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return v.do(req)
}

// cookie returns the session cookie value in the jar, "" if none.
func (v *visitor) cookie() string {
	u, _ := url.Parse(v.srv.URL)
	for _, c := range v.http.Jar.Cookies(u) {
		if c.Name == cookieName {
			return c.Value
		}
	}
	return ""
}

// getWithCookie sends GET / with exactly this raw session cookie value,
// bypassing any jar.
func getWithCookie(t *testing.T, srv *httptest.Server, raw string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookieName+"="+raw)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET / with cookie %.40q: %v", raw, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res, string(b)}
}

// setCookie returns the session cookie res sets, or nil.
func setCookie(res response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

var h1RE = regexp.MustCompile(`(?s)<h1>(.*?)</h1>`)

// heading returns the text of the page's <h1>.
func heading(t *testing.T, body string) string {
	t.Helper()
	m := h1RE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no <h1> in body:\n%s", body)
	}
	return m[1]
}

func wantPage(t *testing.T, res response, want string) {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body: %q", res.StatusCode, res.body)
	}
	if got := heading(t, res.body); got != want {
		t.Errorf("<h1> = %q, want %q", got, want)
	}
}

// visits is the heading for n visits, written out here rather than taken
// from web.VisitsMessage so that a change there shows.
func visits(n int) string {
	if n == 1 {
		return "You have visited this page 1 time."
	}
	return "You have visited this page " + strconv.Itoa(n) + " times."
}

func wantExpiringCookie(t *testing.T, res response) {
	t.Helper()
	c := setCookie(res)
	if c == nil {
		t.Fatalf("no %s cookie set; Set-Cookie: %q", cookieName, res.Header.Values("Set-Cookie"))
	}
	if c.Value != "" || c.Expires.Year() != 1970 {
		t.Errorf("cookie = value %q expires %v, want an empty value expiring in 1970 (raw %q)",
			c.Value, c.Expires, c.Raw)
	}
}

func TestVisitsCount(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	var first string
	for i, want := range []string{
		"You have visited this page 1 time.",
		"You have visited this page 2 times.",
		"You have visited this page 3 times.",
	} {
		res := v.get("/")
		wantPage(t, res, want)
		if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
			t.Errorf("visit %d: Content-Type = %q, want text/html", i+1, res.Header.Get("Content-Type"))
		}
		if i == 0 {
			first = v.cookie()
			if first == "" {
				t.Fatal("no session cookie in the jar after the first visit")
			}
			continue
		}
		if got := v.cookie(); got != first {
			t.Errorf("visit %d: cookie = %q, want it unchanged (%q)", i+1, got, first)
		}
	}
}

func TestFirstResponseHeaders(t *testing.T) {
	srv := newTestServer(t)
	res := newVisitor(t, srv).get("/")
	wantPage(t, res, visits(1))

	c := setCookie(res)
	if c == nil {
		t.Fatalf("no %s cookie; Set-Cookie: %q", cookieName, res.Header.Values("Set-Cookie"))
	}
	if !strings.HasPrefix(c.Value, "s%3A") {
		t.Errorf("cookie value = %q, want a signed value (s%%3A...)", c.Value)
	}
	if !c.HttpOnly {
		t.Errorf("cookie %q: HttpOnly not set", c.Raw)
	}
	if c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie %q: SameSite = %v, want Lax", c.Raw, c.SameSite)
	}
	if c.Secure {
		t.Errorf("cookie %q: Secure on a plain-HTTP request", c.Raw)
	}
	if c.Path != "/" {
		t.Errorf("cookie %q: Path = %q, want /", c.Raw, c.Path)
	}
	if !slices.Contains(res.Header.Values("Vary"), "Cookie") {
		t.Errorf("Vary = %q, want it to include Cookie", res.Header.Values("Vary"))
	}
	// no-store from the page (it shows session data), and the
	// middleware's no-cache="Set-Cookie" for the cookie.
	if got, want := res.Header.Values("Cache-Control"), []string{"no-store", `no-cache="Set-Cookie"`}; !slices.Equal(got, want) {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}
}

// signedParts splits a cookie value as sent (percent-encoded) into the ID
// and the signature.
func signedParts(t *testing.T, raw string) (id, mac string) {
	t.Helper()
	dec, err := url.PathUnescape(raw)
	if err != nil {
		t.Fatalf("cookie %q: %v", raw, err)
	}
	rest, ok := strings.CutPrefix(dec, "s:")
	dot := strings.LastIndexByte(rest, '.')
	if !ok || dot < 1 {
		t.Fatalf("cookie %q is not s:<id>.<mac>", dec)
	}
	return rest[:dot], rest[dot+1:]
}

func encode(id, mac string) string {
	return url.QueryEscape("s:" + id + "." + mac)
}

// flip changes the character in the middle of s.
func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestTamperedCookieStartsOver(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(id, mac string) string
	}{
		{"signature", func(id, mac string) string { return encode(id, flip(mac)) }},
		{"id", func(id, mac string) string { return encode(flip(id), mac) }},
		{"signed with another secret", func(id, _ string) string {
			return url.QueryEscape("s:" + session.Sign(id, "another-secret-of-more-than-32-bytes!!"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			v := newVisitor(t, srv)
			v.get("/")
			wantPage(t, v.get("/"), visits(2))
			genuine := v.cookie()
			tampered := tt.tamper(signedParts(t, genuine))
			if tampered == genuine {
				t.Fatalf("tampered cookie %q equals the genuine one", tampered)
			}

			res := getWithCookie(t, srv, tampered)
			wantPage(t, res, visits(1))
			c := setCookie(res)
			if c == nil {
				t.Fatal("no new session cookie for a tampered one")
			}
			if c.Value == tampered || c.Value == genuine {
				t.Errorf("new cookie = %q, want a new session's (tampered %q, genuine %q)", c.Value, tampered, genuine)
			}
			// The genuine session is untouched by the forgery.
			wantPage(t, v.get("/"), visits(3))
		})
	}
}

func TestGarbageCookieStartsOver(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	v.get("/")
	id, mac := signedParts(t, v.cookie())

	tests := []struct {
		name, value string
	}{
		{"empty", ""},
		{"prefix only", "s:"},
		{"encoded prefix only", "s%3A"},
		{"dot only", "s:."},
		{"5000 bytes", strings.Repeat("a", 5000)},
		{"signed 5000 bytes", url.QueryEscape("s:" + session.Sign(strings.Repeat("a", 5000), testSecret))},
		{"non-UTF-8 escapes", "%ff%fe"},
		{"signed non-UTF-8 escapes", "s%3A%ff%fe." + mac},
		{"malformed escape", "%zz"},
		{"quotes", `"`},
		{"unsigned id", id},
		{"unsigned id with prefix", url.QueryEscape("s:" + id)},
		{"signature without prefix", url.QueryEscape(id + "." + mac)},
		{"padded signature", encode(id, mac+"=")},
		{"empty id", url.QueryEscape("s:" + session.Sign("", testSecret))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := getWithCookie(t, srv, tt.value)
			wantPage(t, res, visits(1))
			c := setCookie(res)
			if c == nil {
				t.Fatal("no new session cookie")
			}
			if c.Value == tt.value {
				t.Errorf("new cookie = %q, want a new session's", c.Value)
			}
			if gotID, _ := signedParts(t, c.Value); gotID == id {
				t.Errorf("new session reuses the existing ID %q", id)
			}
		})
	}
}

func TestReset(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	v.get("/")
	wantPage(t, v.get("/"), visits(2))
	old := v.cookie()

	res := v.post("/reset", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /reset: status = %d, want 303", res.StatusCode)
	}
	if got := res.Header.Get("Location"); got != "/" {
		t.Errorf("POST /reset: Location = %q, want /", got)
	}
	wantExpiringCookie(t, res)
	if got := v.cookie(); got != "" {
		t.Errorf("jar still holds %q after the expiring cookie", got)
	}

	wantPage(t, v.get("/"), visits(1))
	// The session is gone from the store, not only from the browser.
	wantPage(t, getWithCookie(t, srv, old), visits(1))
}

func TestResetWithoutSession(t *testing.T) {
	srv := newTestServer(t)
	res := newVisitor(t, srv).post("/reset", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", res.StatusCode)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("Set-Cookie = %q, want none for a visitor without a session", sc)
	}
}

func TestStaticAndNotFound(t *testing.T) {
	srv := newTestServer(t)
	tests := []struct {
		method, path string
		status       int
		mediaType    string // "" to skip
		contains     string
	}{
		{"GET", "/style.css", http.StatusOK, "text/css", "font-family"},
		{"HEAD", "/style.css", http.StatusOK, "text/css", ""},
		{"GET", "/nope", http.StatusNotFound, "", ""},
		{"GET", "/views/layout.html", http.StatusNotFound, "", ""},
		{"GET", "/app.go", http.StatusNotFound, "", ""},
		{"GET", "/reset", http.StatusNotFound, "", ""},
		{"GET", "/logout", http.StatusNotFound, "", ""},
		{"GET", "/account/sessions/end", http.StatusNotFound, "", ""},
		{"GET", "/login", http.StatusOK, "text/html", `name="password"`},
		{"POST", "/", http.StatusMethodNotAllowed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			v := newVisitor(t, srv)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := v.do(req)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if tt.mediaType != "" {
				if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != tt.mediaType {
					t.Errorf("Content-Type = %q, want %s", res.Header.Get("Content-Type"), tt.mediaType)
				}
			}
			if !strings.Contains(res.body, tt.contains) {
				t.Errorf("body lacks %q: %.200q", tt.contains, res.body)
			}
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("Set-Cookie = %q, want none", sc)
			}
		})
	}
}

// TestConcurrentVisitors runs visitors in parallel (for -race): each sees
// its own count.
func TestConcurrentVisitors(t *testing.T) {
	srv := newTestServer(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			for n := 1; n <= 5; n++ {
				res, err := c.Get(srv.URL + "/")
				if err != nil {
					t.Errorf("GET /: %v", err)
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				m := h1RE.FindStringSubmatch(string(b))
				if res.StatusCode != http.StatusOK || m == nil || m[1] != visits(n) {
					t.Errorf("visit %d: status %d, body %q; want 200 and %q", n, res.StatusCode, b, visits(n))
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestTemplates(t *testing.T) {
	a, err := newApp(slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	tests := []struct {
		name    string
		view    string
		p       page
		want    []string
		notWant []string
	}{
		{
			name: "anonymous",
			view: "index",
			p:    page{Title: "Visit Tracker", Message: visits(4)},
			want: []string{
				"<!DOCTYPE html>",
				"<title>Visit Tracker</title>",
				`<link rel="stylesheet" href="/style.css">`,
				`<a class="brand" href="/">Visit Tracker</a>`,
				"<h1>" + visits(4) + "</h1>",
				`<form method="post" action="/login" class="signin">`,
				`<input name="password" type="password" required maxlength="128" autocomplete="current-password">`,
				"<footer>",
				`<form method="post" action="/reset">`,
			},
			notWant: []string{"Signed in as", `action="/logout"`, `href="/account"`, `name="next"`},
		},
		{
			name: "signed in",
			view: "index",
			p:    page{Title: "Visit Tracker", Message: visits(1), User: "alice"},
			want: []string{
				"<title>Visit Tracker</title>",
				`<span class="user">Signed in as <strong>alice</strong> · <a href="/account">Account</a></span>`,
				`<form method="post" action="/logout">`,
				`<form method="post" action="/reset">`,
			},
			notWant: []string{`action="/login"`},
		},
		{
			name: "escaped",
			view: "index",
			p:    page{Title: "A & B", Message: "<b>hi</b>", User: `<script>alert("x")</script>`},
			want: []string{
				"<title>A &amp; B</title>",
				"<h1>&lt;b&gt;hi&lt;/b&gt;</h1>",
				"<strong>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</strong>",
			},
			notWant: []string{"<script>", "<b>hi"},
		},
		{
			name:    "login with error",
			view:    "login",
			p:       page{Title: "Sign in", Error: "Wrong <name>", Name: "al\"ice", Next: "/account"},
			want:    []string{`<p class="error" role="alert">Wrong &lt;name&gt;</p>`, `value="al&#34;ice"`, `<input type="hidden" name="next" value="/account">`},
			notWant: []string{"Signed in as"},
		},
		{
			name: "account",
			view: "account",
			p: page{Title: "Your sessions", User: "bob", Sessions: []web.Session{
				{Handle: "h1", Browser: "Firefox 128 on Linux", Current: true,
					SignedIn: web.Time{Text: "2 minutes ago", ISO: "2026-01-01T00:00:00Z"}, LastSeen: web.Time{Text: "just now", ISO: "2026-01-01T00:02:00Z"}},
				{Handle: "h<2>", Browser: "curl 8.5.0", SignedIn: web.Time{Text: "unknown"}, LastSeen: web.Time{Text: "yesterday", ISO: "2025-12-31T00:00:00Z"}},
			}},
			want: []string{
				`<li class="session current">`,
				`<span class="browser">Firefox 128 on Linux</span> <span class="this-device">this device</span>`,
				`signed in <time datetime="2026-01-01T00:00:00Z">2 minutes ago</time>`,
				`last seen <time datetime="2026-01-01T00:02:00Z">just now</time>`,
				`signed in <time>unknown</time>`,
				`<input type="hidden" name="handle" value="h&lt;2&gt;">`,
				`<form method="post" action="/account/sessions/end-others" class="end-others"><button type="submit">Sign out everywhere else</button></form>`,
			},
			notWant: []string{`value="h1"`},
		},
		{
			name:    "account without a list",
			view:    "account",
			p:       page{Title: "Your sessions", User: "bob", Note: "cannot list"},
			want:    []string{`<p class="note">cannot list</p>`, `action="/logout"`},
			notWant: []string{`<ul class="sessions">`, "end-others"},
		},
		{
			name: "error",
			view: "error",
			p:    page{Title: "Request refused", Error: "Nothing has changed."},
			want: []string{"<h1>Request refused</h1>", `<p class="error" role="alert">Nothing has changed.</p>`, `<a href="/">`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			a.render(rec, http.StatusTeapot, tt.view, tt.p)
			if rec.Code != http.StatusTeapot {
				t.Fatalf("status = %d, want the one asked for, 418", rec.Code)
			}
			if got, want := rec.Header().Get("Content-Type"), "text/html; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			body := rec.Body.String()
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(len(body)); got != want {
				t.Errorf("Content-Length = %s, want %s", got, want)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body contains %q:\n%s", w, body)
				}
			}
		})
	}
	if err := a.pages.RenderView(httptest.NewRecorder(), 200, "nope", page{}); err == nil {
		t.Error("RenderView of an unknown view: got nil error, want one")
	}
}

func TestVisitsMessage(t *testing.T) {
	for n, want := range map[int64]string{
		0:  "You have visited this page 0 times.",
		1:  "You have visited this page 1 time.",
		2:  "You have visited this page 2 times.",
		21: "You have visited this page 21 times.",
	} {
		if got := web.VisitsMessage(n); got != want {
			t.Errorf("VisitsMessage(%d) = %q, want %q", n, got, want)
		}
	}
}
