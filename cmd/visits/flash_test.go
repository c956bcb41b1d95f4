package main

import (
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"
)

var flashRE = regexp.MustCompile(`<p class="flash" role="status">(.*?)</p>`)

// flashesOn returns the flash messages a page shows, nil for none.
func flashesOn(body string) []string {
	var msgs []string
	for _, m := range flashRE.FindAllStringSubmatch(body, -1) {
		msgs = append(msgs, html.UnescapeString(m[1]))
	}
	return msgs
}

// After sign-in the next page says who signed in, once: a reload no
// longer shows it. On server-side sessions and on sealed cookies.
func TestFlashAfterSignIn(t *testing.T) {
	for _, c := range serverKinds {
		t.Run(c.name, func(t *testing.T) {
			v := newVisitor(t, c.srv(t))
			res := v.get("/")
			wantPage(t, res, visits(1))
			if got := flashesOn(res.body); got != nil {
				t.Fatalf("first page shows flashes %q", got)
			}

			// A refused sign-in flashes nothing.
			if res = v.post("/login", url.Values{"user": {"alice"}, "password": {"wrong"}}); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password: status %d, want 401", res.StatusCode)
			}
			if got := flashesOn(v.get("/").body); got != nil {
				t.Fatalf("page after a refused sign-in shows flashes %q", got)
			}

			v.signIn("alice", alicePassword, "/")
			res = v.get("/")
			wantPage(t, res, visits(3))
			if got, want := flashesOn(res.body), []string{"Signed in as alice"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("page after sign-in shows flashes %q, want %q:\n%s", got, want, res.body)
			}

			res = v.get("/") // reload: shown once, gone now
			wantPage(t, res, visits(4))
			if got := flashesOn(res.body); got != nil {
				t.Fatalf("reloaded page still shows flashes %q", got)
			}
			if !signedInAs(res.body, "alice") {
				t.Fatalf("reloaded page is no longer signed in:\n%s", res.body)
			}
		})
	}
}

// A sign-in that goes on to the account page shows the message there,
// and then nowhere else.
func TestFlashOnAccountPage(t *testing.T) {
	v := newVisitor(t, newTestServer(t))
	res := v.post("/login", url.Values{"user": {"bob"}, "password": {bobPassword}, "next": {"/account"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("POST /login: status %d, Location %q; want 303 to /account", res.StatusCode, res.Header.Get("Location"))
	}
	res = v.get("/account")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: status %d", res.StatusCode)
	}
	if got, want := flashesOn(res.body), []string{"Signed in as bob"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("account page after sign-in shows flashes %q, want %q:\n%s", got, want, res.body)
	}
	for _, path := range []string{"/", "/account"} {
		if got := flashesOn(v.get(path).body); got != nil {
			t.Fatalf("%s after the account page shows flashes %q", path, got)
		}
	}
}
