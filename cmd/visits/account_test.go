package main

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const (
	firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeUA  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36"
	safariUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
)

// listed is one session on the account page.
type listed struct {
	browser, handle string
	current         bool
	body            string
}

var (
	sessionRE = regexp.MustCompile(`(?s)<li class="session( current)?">(.*?)</li>`)
	browserRE = regexp.MustCompile(`<span class="browser">([^<]*)</span>`)
	handleRE  = regexp.MustCompile(`<input type="hidden" name="handle" value="([^"]*)">`)
)

// accountPage GETs /account as v and returns the sessions it lists.
func (v *visitor) accountPage() ([]listed, response) {
	v.t.Helper()
	res := v.get("/account")
	if res.StatusCode != http.StatusOK {
		v.t.Fatalf("GET /account: status %d, want 200; body %q", res.StatusCode, res.body)
	}
	var out []listed
	for _, m := range sessionRE.FindAllStringSubmatch(res.body, -1) {
		l := listed{current: m[1] != "", body: m[2]}
		if b := browserRE.FindStringSubmatch(m[2]); b != nil {
			l.browser = html.UnescapeString(b[1])
		}
		if h := handleRE.FindStringSubmatch(m[2]); h != nil {
			l.handle = h[1]
		}
		out = append(out, l)
	}
	return out, res
}

func newDevice(t *testing.T, srv *httptest.Server, ua string) *visitor {
	v := newVisitor(t, srv)
	v.userAgent = ua
	return v
}

func TestAccountRequiresSignIn(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	v.get("/")
	for _, r := range []struct{ method, path string }{
		{"GET", "/account"},
		{"POST", "/account/sessions/end"},
		{"POST", "/account/sessions/end-others"},
	} {
		var res response
		if r.method == "GET" {
			res = v.get(r.path)
		} else {
			res = v.post(r.path, url.Values{"handle": {"x"}})
		}
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=/account" {
			t.Errorf("%s %s anonymous: status %d, Location %q; want 303 to /login?next=/account",
				r.method, r.path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	wantPage(t, v.get("/"), visits(2))
}

// TestAccountSessions: two devices of alice and one of bob; alice's first
// device lists her two sessions and signs the second out.
func TestAccountSessions(t *testing.T) {
	srv := newTestServer(t)
	laptop := newDevice(t, srv, firefoxUA)
	phone := newDevice(t, srv, safariUA)
	bobs := newDevice(t, srv, chromeUA)
	laptop.signIn("alice", alicePassword, "/")
	phone.get("/")
	phone.signIn("alice", alicePassword, "/")
	bobs.signIn("bob", bobPassword, "/")
	wantPage(t, phone.get("/"), visits(2))

	list, res := laptop.accountPage()
	if !signedInAs(res.body, "alice") {
		t.Errorf("account page does not say who is signed in:\n%s", res.body)
	}
	if got := res.Header.Values("Cache-Control"); len(got) == 0 || got[0] != "no-store" {
		t.Errorf("account page Cache-Control = %q, want no-store", got)
	}
	if len(list) != 2 {
		t.Fatalf("account page lists %d sessions, want alice's 2:\n%s", len(list), res.body)
	}
	var this, other listed
	for _, l := range list {
		if l.current {
			this = l
		} else {
			other = l
		}
	}
	if this.browser != "Firefox 128 on Linux" || !strings.Contains(this.body, "this device") || this.handle != "" {
		t.Errorf("current session = %+v, want Firefox 128 on Linux marked this device, without a sign-out form", this)
	}
	if other.browser != "Safari 17.4 on iOS" || strings.Contains(other.body, "this device") || other.handle == "" {
		t.Errorf("other session = %+v, want Safari 17.4 on iOS with a sign-out form", other)
	}
	for _, l := range list {
		if !strings.Contains(l.body, "signed in <time datetime=") || strings.Count(l.body, ">just now</time>") != 2 {
			t.Errorf("session %q lacks its sign-in and last-seen times (just now):\n%s", l.browser, l.body)
		}
	}
	if !strings.Contains(res.body, `action="/account/sessions/end-others"`) {
		t.Errorf("account page lacks \"Sign out everywhere else\":\n%s", res.body)
	}
	if strings.Contains(res.body, "Chrome") {
		t.Errorf("alice's account page lists bob's session:\n%s", res.body)
	}

	res = laptop.post("/account/sessions/end", url.Values{"handle": {other.handle}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("ending the phone's session: status %d, Location %q; want 303 to /account", res.StatusCode, res.Header.Get("Location"))
	}
	// The phone's next request is signed out: its session is gone.
	res = phone.get("/")
	wantPage(t, res, visits(1))
	if strings.Contains(res.body, "Signed in as") {
		t.Errorf("the ended session is still signed in:\n%s", res.body)
	}
	list, res = laptop.accountPage()
	if len(list) != 1 || !list[0].current {
		t.Errorf("after ending the phone, account lists %+v, want this device alone", list)
	}
	if strings.Contains(res.body, "end-others") {
		t.Errorf("\"Sign out everywhere else\" offered with no other session:\n%s", res.body)
	}
	// The same handle again, or bob's, is not found.
	if res := laptop.post("/account/sessions/end", url.Values{"handle": {other.handle}}); res.StatusCode != http.StatusNotFound ||
		!strings.Contains(res.body, "already ended") {
		t.Errorf("ending an ended session: status %d, want 404 with a message; body %q", res.StatusCode, res.body)
	}
	bobList, _ := bobs.accountPage()
	if len(bobList) != 1 {
		t.Fatalf("bob's account lists %d sessions, want 1", len(bobList))
	}
	if !signedInAs(bobs.get("/").body, "bob") {
		t.Error("bob was signed out by alice's actions")
	}
	if res := laptop.post("/account/sessions/end", url.Values{}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("ending no handle: status %d, want 400", res.StatusCode)
	}
}

func TestAccountEndOthers(t *testing.T) {
	srv := newTestServer(t)
	devices := []*visitor{newDevice(t, srv, firefoxUA), newDevice(t, srv, chromeUA), newDevice(t, srv, "curl/8.5.0")}
	for _, d := range devices {
		d.signIn("alice", alicePassword, "/")
	}
	bob := newDevice(t, srv, chromeUA)
	bob.signIn("bob", bobPassword, "/")
	if list, _ := devices[0].accountPage(); len(list) != 3 {
		t.Fatalf("alice's account lists %d sessions, want 3", len(list))
	}
	res := devices[0].post("/account/sessions/end-others", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("end-others: status %d, Location %q; want 303 to /account", res.StatusCode, res.Header.Get("Location"))
	}
	for i, d := range devices[1:] {
		if res := d.get("/"); strings.Contains(res.body, "Signed in as") {
			t.Errorf("device %d is still signed in after \"sign out everywhere else\"", i+2)
		}
	}
	if !signedInAs(devices[0].get("/").body, "alice") {
		t.Error("the device that signed the others out was signed out too")
	}
	if !signedInAs(bob.get("/").body, "bob") {
		t.Error("bob was signed out by alice's \"sign out everywhere else\"")
	}
}

func TestAccountEndOwnSession(t *testing.T) {
	srv := newTestServer(t)
	v := newDevice(t, srv, firefoxUA)
	v.signIn("alice", alicePassword, "/")
	// A handle of this session, as another device's page would show it.
	other := newDevice(t, srv, chromeUA)
	other.signIn("alice", alicePassword, "/")
	list, _ := other.accountPage()
	var mine string
	for _, l := range list {
		if !l.current {
			mine = l.handle
		}
	}
	if mine == "" {
		t.Fatalf("no handle for the first device in %+v", list)
	}
	res := v.post("/account/sessions/end", url.Values{"handle": {mine}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("ending its own session: status %d, Location %q; want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(v.get("/").body, "Signed in as") {
		t.Error("still signed in after ending its own session")
	}
}

func TestAccountSealedSessions(t *testing.T) {
	srv := cookieApp(t, map[string]string{"SESSION_KEY": fastifyTestKey})
	v := newVisitor(t, srv)
	v.signIn("alice", alicePassword, "/")
	list, res := v.accountPage()
	if len(list) != 0 || !strings.Contains(res.body, "cannot list your sessions") {
		t.Errorf("sealed sessions: account page lists %+v, want a note instead:\n%s", list, res.body)
	}
	if !signedInAs(res.body, "alice") {
		t.Errorf("sealed sessions: account page does not show alice:\n%s", res.body)
	}
}

// TestAccountSQLite lists and ends sessions on the default store.
func TestAccountSQLite(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	m, closeStore, err := newSessions(context.Background(), config{store: "sqlite", dataDir: t.TempDir()},
		env(map[string]string{"SESSION_SECRET": testSecret}), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	a, err := newApp(log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.routes(m))
	t.Cleanup(srv.Close)
	one, two := newDevice(t, srv, firefoxUA), newDevice(t, srv, chromeUA)
	one.signIn("alice", alicePassword, "/")
	two.signIn("alice", alicePassword, "/")
	list, res := one.accountPage()
	if len(list) != 2 {
		t.Fatalf("SQLite: account lists %d sessions, want 2:\n%s", len(list), res.body)
	}
	for _, l := range list {
		if !l.current {
			one.post("/account/sessions/end", url.Values{"handle": {l.handle}})
		}
	}
	if strings.Contains(two.get("/").body, "Signed in as") {
		t.Error("SQLite: the ended session is still signed in")
	}
}
