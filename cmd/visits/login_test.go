package main

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The demo accounts' passwords, as the README gives them.
const (
	alicePassword = "alice-demo-password"
	bobPassword   = "bob-demo-password"
)

// signIn signs v in and fails the test unless it is redirected to want.
func (v *visitor) signIn(user, password, want string) response {
	v.t.Helper()
	res := v.post("/login", url.Values{"user": {user}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		v.t.Fatalf("POST /login as %s: status = %d, want 303; body %q", user, res.StatusCode, res.body)
	}
	if got := res.Header.Get("Location"); got != want {
		v.t.Errorf("POST /login as %s: Location = %q, want %q", user, got, want)
	}
	return res
}

func signedInAs(body, user string) bool {
	return strings.Contains(body, "Signed in as <strong>"+html.EscapeString(user)+"</strong>")
}

func TestSignInKeepsVisits(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	v.get("/")
	wantPage(t, v.get("/"), visits(2))
	before := v.cookie()

	res := v.signIn("alice", alicePassword, "/")
	c := setCookie(res)
	if c == nil {
		t.Fatal("POST /login set no session cookie")
	}
	after := v.cookie()
	if c.Value != after {
		t.Errorf("jar cookie = %q, want the one login set, %q", after, c.Value)
	}
	beforeID, _ := signedParts(t, before)
	afterID, _ := signedParts(t, after)
	if beforeID == afterID {
		t.Errorf("session ID unchanged by sign-in: %q", afterID)
	}

	// The visits survive the sign-in (KeepData).
	res = v.get("/")
	wantPage(t, res, visits(3))
	if !signedInAs(res.body, "alice") {
		t.Errorf("page after sign-in does not show alice:\n%s", res.body)
	}
	for _, want := range []string{`action="/logout"`, `href="/account"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("page after sign-in lacks %q:\n%s", want, res.body)
		}
	}
	if strings.Contains(res.body, `action="/login"`) {
		t.Errorf("page after sign-in still offers the sign-in form:\n%s", res.body)
	}

	// Session fixation: the pre-sign-in ID is worthless now.
	res = getWithCookie(t, srv, before)
	wantPage(t, res, visits(1))
	if strings.Contains(res.body, "alice") {
		t.Errorf("the pre-sign-in cookie reaches alice's session:\n%s", res.body)
	}

	res = v.post("/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("POST /logout: status = %d, Location %q; want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	out := v.cookie()
	if out == "" || out == after {
		t.Fatalf("cookie after sign-out = %q, want a new one (was %q)", out, after)
	}

	// Signed out, the visits go on.
	res = v.get("/")
	wantPage(t, res, visits(4))
	if strings.Contains(res.body, "Signed in as") {
		t.Errorf("page after sign-out still shows a user:\n%s", res.body)
	}
	if !strings.Contains(res.body, `action="/login"`) || !strings.Contains(res.body, `name="password"`) {
		t.Errorf("page after sign-out lacks the sign-in form:\n%s", res.body)
	}
	// The signed-in cookie, replayed, is signed in no more.
	if res := getWithCookie(t, srv, after); strings.Contains(res.body, "Signed in as") {
		t.Errorf("the signed-out cookie is still signed in:\n%s", res.body)
	}
}

func TestSignInBob(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	// Names are matched without regard to case and surrounding space; the
	// password is exact.
	v.signIn("  Bob ", bobPassword, "/")
	res := v.get("/")
	wantPage(t, res, visits(1))
	if !signedInAs(res.body, "bob") {
		t.Errorf("page does not show bob:\n%s", res.body)
	}
}

func TestSignInRefused(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"wrong password", url.Values{"user": {"alice"}, "password": {bobPassword}}, http.StatusUnauthorized, "Wrong name or password"},
		{"password case", url.Values{"user": {"alice"}, "password": {strings.ToUpper(alicePassword)}}, http.StatusUnauthorized, "Wrong name or password"},
		{"password with a space", url.Values{"user": {"alice"}, "password": {alicePassword + " "}}, http.StatusUnauthorized, "Wrong name or password"},
		{"unknown user", url.Values{"user": {"mallory"}, "password": {alicePassword}}, http.StatusUnauthorized, "Wrong name or password"},
		{"no password", url.Values{"user": {"alice"}}, http.StatusBadRequest, "Enter a name and a password"},
		{"empty password", url.Values{"user": {"alice"}, "password": {""}}, http.StatusBadRequest, "Enter a name and a password"},
		{"no name", url.Values{"password": {alicePassword}}, http.StatusBadRequest, "Enter a name and a password"},
		{"name too long", url.Values{"user": {strings.Repeat("a", 65)}, "password": {"x"}}, http.StatusBadRequest, "Enter a name and a password"},
		{"password too long", url.Values{"user": {"alice"}, "password": {strings.Repeat("x", 129)}}, http.StatusBadRequest, "Enter a name and a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t)
			v := newVisitor(t, srv)
			v.get("/")
			wantPage(t, v.get("/"), visits(2))
			before := v.cookie()

			res := v.post("/login", tt.form)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %q", res.StatusCode, tt.status, res.body)
			}
			if !strings.Contains(res.body, tt.msg) || !strings.Contains(res.body, `role="alert"`) {
				t.Errorf("error page lacks %q:\n%s", tt.msg, res.body)
			}
			if !strings.Contains(res.body, `action="/login"`) {
				t.Errorf("error page lacks the sign-in form to try again:\n%s", res.body)
			}
			if strings.Contains(res.body, alicePassword) || strings.Contains(res.body, bobPassword) {
				t.Errorf("error page echoes a password:\n%s", res.body)
			}
			if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("Set-Cookie = %q on a refused sign-in, want none", sc)
			}
			if got := v.cookie(); got != before {
				t.Errorf("cookie changed by a refused sign-in: %q, was %q", got, before)
			}
			// Nothing lost: the count goes on, nobody is signed in.
			res = v.get("/")
			wantPage(t, res, visits(3))
			if strings.Contains(res.body, "Signed in as") {
				t.Errorf("refused sign-in signed in:\n%s", res.body)
			}
		})
	}
}

func TestSignInRefusedKeepsNameEscaped(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	name := `"><script>alert(1)</script>`
	res := v.post("/login", url.Values{"user": {name}, "password": {"x"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", res.StatusCode)
	}
	if strings.Contains(res.body, "<script>") {
		t.Errorf("page contains an unescaped <script>:\n%s", res.body)
	}
	if want := `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`; !strings.Contains(res.body, want) {
		t.Errorf("page lacks the name filled in again, escaped (%s):\n%s", want, res.body)
	}
}

func TestSignInNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/account", "/account"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example", "/"},
		{"/account/../x", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			srv := newTestServer(t)
			v := newVisitor(t, srv)
			res := v.post("/login", url.Values{"user": {"alice"}, "password": {alicePassword}, "next": {tt.next}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
				t.Errorf("next=%q: status %d, Location %q; want 303 to %q", tt.next, res.StatusCode, res.Header.Get("Location"), tt.want)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	res := v.get("/login?next=/account")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: status %d", res.StatusCode)
	}
	for _, want := range []string{`<h1>Sign in</h1>`, `name="user"`, `name="password" type="password"`,
		`<input type="hidden" name="next" value="/account">`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("GET /login lacks %q:\n%s", want, res.body)
		}
	}
	if res := v.get("/login?next=https://evil.example"); strings.Contains(res.body, "evil") {
		t.Errorf("GET /login keeps a foreign next:\n%s", res.body)
	}

	v.signIn("alice", alicePassword, "/")
	res = v.get("/login")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("GET /login signed in: status %d, Location %q; want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLogoutWithoutSession(t *testing.T) {
	srv := newTestServer(t)
	res := newVisitor(t, srv).post("/logout", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", res.StatusCode)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("Set-Cookie = %q, want none for a visitor without a session", sc)
	}
}

func TestResetSignedIn(t *testing.T) {
	srv := newTestServer(t)
	v := newVisitor(t, srv)
	v.signIn("alice", alicePassword, "/")
	signedIn := v.cookie()
	res := v.post("/reset", nil)
	wantExpiringCookie(t, res)
	res = getWithCookie(t, srv, signedIn)
	wantPage(t, res, visits(1))
	if strings.Contains(res.body, "Signed in as") {
		t.Errorf("forgotten session still signed in:\n%s", res.body)
	}
}
