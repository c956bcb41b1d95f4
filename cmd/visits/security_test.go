package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	srv := newTestServer(t)
	signedIn := newVisitor(t, srv)
	signedIn.signIn("alice", alicePassword, "/")

	tests := []struct {
		name    string
		v       *visitor // nil: a new visitor
		method  string
		path    string
		form    url.Values
		status  int
		noStore bool // Cache-Control: no-store (the page shows session data)
	}{
		{name: "index", method: "GET", path: "/", status: http.StatusOK, noStore: true},
		{name: "index signed in", v: signedIn, method: "GET", path: "/", status: http.StatusOK, noStore: true},
		{name: "account", v: signedIn, method: "GET", path: "/account", status: http.StatusOK, noStore: true},
		{name: "account anonymous", method: "GET", path: "/account", status: http.StatusSeeOther},
		{name: "login page", method: "GET", path: "/login", status: http.StatusOK, noStore: true},
		{name: "wrong password", method: "POST", path: "/login", form: url.Values{"user": {"bob"}, "password": {"nope"}}, status: http.StatusUnauthorized, noStore: true},
		{name: "unknown handle", v: signedIn, method: "POST", path: "/account/sessions/end", form: url.Values{"handle": {"nope"}}, status: http.StatusNotFound, noStore: true},
		{name: "stylesheet", method: "GET", path: "/style.css", status: http.StatusOK},
		{name: "not found", method: "GET", path: "/nope", status: http.StatusNotFound},
		{name: "method not allowed", method: "POST", path: "/", status: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			if v == nil {
				v = newVisitor(t, srv)
			}
			var res response
			if tt.method == "GET" {
				res = v.get(tt.path)
			} else {
				res = v.post(tt.path, tt.form)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			wantSecurityHeaders(t, res.Header)
			cc := res.Header.Values("Cache-Control")
			if got := slices.Contains(cc, "no-store"); got != tt.noStore {
				t.Errorf("Cache-Control = %q, want no-store: %v", cc, tt.noStore)
			}
		})
	}
}

// wantSecurityHeaders checks the headers every response carries.
func wantSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, d)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("Content-Security-Policy = %q allows %s", csp, bad)
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := h.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want exactly %q", name, got, want)
		}
	}
}

// TestNoInlineScriptOrStyle: the CSP allows neither, so the views use
// none.
func TestNoInlineScriptOrStyle(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	bodies := map[string]string{"index anonymous": v.get("/").body, "login": v.get("/login").body}
	v.signIn("alice", alicePassword, "/")
	bodies["index signed in"] = v.get("/").body
	bodies["account"] = v.get("/account").body
	bodies["error"] = v.post("/account/sessions/end", url.Values{"handle": {"nope"}}).body
	for name, b := range bodies {
		if !strings.Contains(b, "<!DOCTYPE html>") {
			t.Errorf("%s: not a page: %q", name, b)
		}
		for _, bad := range []string{"<script", "<style", " style=", " onclick=", " onload=", "javascript:"} {
			if strings.Contains(strings.ToLower(b), bad) {
				t.Errorf("%s: page contains %q, which the CSP forbids:\n%s", name, bad, b)
			}
		}
	}
}

// TestCrossOriginPostsRefused: every state-changing request from another
// origin gets 403 and changes nothing, whatever it carries.
func TestCrossOriginPostsRefused(t *testing.T) {
	srv := newTestServer(t)
	v := newDevice(t, srv, firefoxUA)
	v.signIn("alice", alicePassword, "/")
	other := newDevice(t, srv, chromeUA)
	other.signIn("alice", alicePassword, "/")
	list, _ := v.accountPage()
	var otherHandle string
	for _, l := range list {
		if !l.current {
			otherHandle = l.handle
		}
	}
	wantPage(t, v.get("/"), visits(1))
	cookie := v.cookie()

	attacks := []struct {
		name    string
		headers []string
	}{
		{"cross-site fetch metadata", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
		{"same-site fetch metadata", []string{"Origin", "https://sub.evil.example", "Sec-Fetch-Site", "same-site"}},
		{"foreign Origin alone", []string{"Origin", "https://evil.example"}},
		{"null Origin", []string{"Origin", "null"}},
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/login", url.Values{"user": {"bob"}}}, // the README's curl
		{"/login", url.Values{"user": {"bob"}, "password": {bobPassword}}},
		{"/logout", nil},
		{"/reset", nil},
		{"/account/sessions/end", url.Values{"handle": {otherHandle}}},
		{"/account/sessions/end-others", nil},
	}
	for _, a := range attacks {
		for _, p := range posts {
			res := v.post(p.path, p.form, a.headers...)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: status %d, want 403", a.name, p.path, res.StatusCode)
				continue
			}
			if !strings.Contains(res.body, "sent from another site") {
				t.Errorf("%s POST %s: 403 page lacks its explanation:\n%s", a.name, p.path, res.body)
			}
			wantSecurityHeaders(t, res.Header)
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("%s POST %s: Set-Cookie %q on a refused request", a.name, p.path, sc)
			}
		}
	}
	// Nothing changed: alice on both devices, the same cookie, the count
	// where it was.
	if v.cookie() != cookie {
		t.Errorf("cookie changed by refused requests")
	}
	res := v.get("/")
	wantPage(t, res, visits(2))
	if !signedInAs(res.body, "alice") {
		t.Errorf("refused requests signed alice out or in as bob:\n%s", res.body)
	}
	if !signedInAs(other.get("/").body, "alice") {
		t.Error("a refused request ended the other device's session")
	}

	// The same form from the site itself goes through.
	res = v.post("/logout", nil, "Origin", srv.URL, "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST /logout: status %d, want 303", res.StatusCode)
	}
	if strings.Contains(v.get("/").body, "Signed in as") {
		t.Error("same-origin sign-out did not sign out")
	}
}
