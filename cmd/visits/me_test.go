package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// wantMe checks a GET /me of a visitor signed in as user: the page says
// so, and the response sets no cookie and shows no flash.
func wantMe(t *testing.T, res response, user string) {
	t.Helper()
	wantPage(t, res, "Signed in as "+user+".")
	if !signedInAs(res.body, user) {
		t.Errorf("GET /me: the header does not show %s:\n%s", user, res.body)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("GET /me: Set-Cookie = %q, want none (the page writes nothing)", sc)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET /me: Cache-Control = %q, want no-store", got)
	}
	if got := flashesOn(res.body); got != nil {
		t.Errorf("GET /me shows flashes %q, want none (it takes none)", got)
	}
}

// GET /me reads the signed-in user and writes nothing: no cookie is sent,
// the stored record stays byte for byte what the sign-in wrote, and the
// count and the sign-in's flash are still there for the next GET /.
func TestMe(t *testing.T) {
	srv, store := newStoreServer(t)
	v := newVisitor(t, srv)

	res := v.get("/me")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=/me" {
		t.Fatalf("GET /me anonymous: status %d, Location %q; want 303 to /login?next=/me", res.StatusCode, res.Header.Get("Location"))
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("GET /me anonymous: Set-Cookie = %q, want none", sc)
	}
	if res := v.get("/login?next=/me"); !strings.Contains(res.body, `<input type="hidden" name="next" value="/me">`) {
		t.Errorf("GET /login?next=/me lacks the next field:\n%s", res.body)
	}

	wantPage(t, v.get("/"), visits(1))
	v.signIn("alice", alicePassword, "/")
	id, _ := signedParts(t, v.cookie())
	before, _, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("the signed-in session is not stored: %v", err)
	}
	before = bytes.Clone(before)

	for range 3 {
		wantMe(t, v.get("/me"), "alice")
	}
	after, _, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("GET /me rewrote the record:\nbefore %s\nafter  %s", before, after)
	}

	// The count did not move, and the flash waits for the index.
	res = v.get("/")
	wantPage(t, res, visits(2))
	if got, want := flashesOn(res.body), []string{"Signed in as alice"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GET / after /me shows flashes %q, want %q", got, want)
	}

	// Signed out, /me sends to the sign-in page again.
	v.post("/logout", nil)
	if res := v.get("/me"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=/me" {
		t.Errorf("GET /me signed out: status %d, Location %q; want 303 to /login?next=/me", res.StatusCode, res.Header.Get("Location"))
	}
}

// A sign-in from /login?next=/me goes on to /me; on sealed cookies /me
// sends no new cookie either.
func TestMeNextAndSealed(t *testing.T) {
	for _, c := range serverKinds {
		t.Run(c.name, func(t *testing.T) {
			v := newVisitor(t, c.srv(t))
			res := v.post("/login", url.Values{"user": {"bob"}, "password": {bobPassword}, "next": {"/me"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me" {
				t.Fatalf("POST /login next=/me: status %d, Location %q; want 303 to /me", res.StatusCode, res.Header.Get("Location"))
			}
			for range 2 {
				wantMe(t, v.get("/me"), "bob")
			}
			wantPage(t, v.get("/"), visits(1))
		})
	}
}
