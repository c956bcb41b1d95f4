package session_test

// Compatibility with the real npm packages: cookie-signature (what
// express-session signs with) and a running express-session 1.19.0 app.
// The packages are pinned by testdata/node/package-lock.json; `make deps`
// installs them. These tests fail, never skip, when Node is missing.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
)

const (
	nodeSecretA = "first-secret-shared-by-node-and-go"
	nodeSecretB = "second-secret-shared-by-node-and-go"
)

func TestCookieSignatureCompat(t *testing.T) {
	dir := testenv.NodeDir(t, "node")
	id, _ := session.NewID()
	tests := []struct{ value, secret string }{
		{"abc", "keyboard cat"}, // node-wire-formats.md §2.4
		{"abc", "clé secrète"},
		{id, nodeSecretA},
		{"id.with.dots", nodeSecretB},
	}
	for _, tt := range tests {
		goSigned := session.Sign(tt.value, tt.secret)
		if got := testenv.RunNode(t, dir, "sign.js", "sign", tt.value, tt.secret); got != goSigned {
			t.Errorf("sign(%q): node %q, go %q", tt.value, got, goSigned)
		}
		// Rotation: node tries the secrets in order, as express-session does.
		if got := testenv.RunNode(t, dir, "sign.js", "unsign", goSigned, "other-secret", tt.secret); got != tt.value {
			t.Errorf("node unsign of Go's %q = %q, want %q", goSigned, got, tt.value)
		}
	}
	if got := testenv.RunNode(t, dir, "sign.js", "unsign", session.Sign("abc", "keyboard cat")+"=", "keyboard cat"); got != "false" {
		t.Errorf("node accepted a padded signature: %q", got)
	}
}

// expressApp starts the express-session app and returns its URL.
func expressApp(t *testing.T, secrets []string, maxAge time.Duration) string {
	t.Helper()
	dir := testenv.NodeDir(t, "node")
	js, _ := json.Marshal(secrets)
	env := []string{"SESSION_SECRETS=" + string(js)}
	if maxAge > 0 {
		env = append(env, fmt.Sprintf("COOKIE_MAX_AGE=%d", maxAge.Milliseconds()))
	}
	return testenv.StartNode(t, dir, "express-app.js", env...)
}

type expressVisit struct {
	ID     string `json:"id"`
	Visits int    `json:"visits"`
}

func getJSON(t *testing.T, c *http.Client, u string, v any) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// A session begun by express-session continues in Go: its cookie verifies
// (under a rotated secret too) and its record loads.
func TestExpressSessionToGo(t *testing.T) {
	base := expressApp(t, []string{nodeSecretA}, time.Hour)
	jar, _ := cookiejar.New(nil)
	node := &http.Client{Jar: jar}
	var v expressVisit
	getJSON(t, node, base+"/", &v)
	getJSON(t, node, base+"/", &v)
	if v.Visits != 2 {
		t.Fatalf("express counted %d", v.Visits)
	}
	u, _ := url.Parse(base)
	var cookie string
	for _, c := range jar.Cookies(u) {
		if c.Name == "connect.sid" {
			cookie = "connect.sid=" + c.Value
		}
	}
	rec := recordFromNode(t, base, v.ID)

	// Go rotated to a new secret, still accepting Node's.
	m, store, _ := newManager(t, session.Options{
		Secrets: []string{nodeSecretB, nodeSecretA},
		Cookie:  session.CookieOptions{MaxAge: time.Hour},
	})
	if err := store.Set(context.Background(), v.ID, rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	res := serve(m.Handler(counter), "GET", "/", cookie)
	if got := body(t, res); got != "3" {
		t.Fatalf("Go counted %q on express's session, want 3", got)
	}
	sent := sessionCookie(t, res)
	id, err := session.Unsign(strings.TrimPrefix(decode(sent), "connect.sid=s:"), nodeSecretB)
	if err != nil || id != v.ID {
		t.Fatalf("Go re-sent %q (id %q, %v): want express's ID re-signed with the first secret", sent, id, err)
	}
	b, _, _ := store.Get(context.Background(), v.ID)
	// express-session's maxAge setter can store 3599999 for an hour (it
	// counts from its own clock reading): Go keeps whatever Node stored.
	maxAge := regexp.MustCompile(`"originalMaxAge":\d+`).Find(rec)
	if !strings.Contains(string(b), `"visits":3`) || maxAge == nil || !bytes.Contains(b, maxAge) {
		t.Fatalf("Go's record %s: want visits 3 and express's cookie kept (%s)", b, maxAge)
	}
}

func recordFromNode(t *testing.T, base, sid string) []byte {
	t.Helper()
	res, err := http.Get(base + "/record?sid=" + url.QueryEscape(sid))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("express has no record for %s: %s", sid, res.Status)
	}
	return b
}

// A session begun in Go continues in express-session: its cookie verifies
// and its record, written by Go, is read by Node.
func TestGoSessionToExpress(t *testing.T) {
	for _, maxAge := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprint("maxAge=", maxAge), func(t *testing.T) {
			base := expressApp(t, []string{nodeSecretB, nodeSecretA}, maxAge)
			m, store, _ := newManager(t, session.Options{
				Secrets: []string{nodeSecretA},
				Cookie:  session.CookieOptions{MaxAge: maxAge},
			})
			h := m.Handler(counter)
			cookie := sessionCookie(t, serve(h, "GET", "/", ""))
			serve(h, "GET", "/", cookie)
			id, err := session.Unsign(strings.TrimPrefix(decode(cookie), "connect.sid=s:"), nodeSecretA)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := store.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("PUT", base+"/record?sid="+url.QueryEscape(id), strings.NewReader(string(rec)))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 204 {
				t.Fatalf("PUT record: %v %v", res, err)
			}

			req, _ = http.NewRequest("GET", base+"/", nil)
			req.Header.Set("Cookie", cookie)
			var v expressVisit
			res, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(res.Body).Decode(&v)
			res.Body.Close()
			if v.ID != id || v.Visits != 3 {
				t.Fatalf("express on Go's session: id %q visits %d; want %q and 3", v.ID, v.Visits, id)
			}
			// Node's record, re-serialized by express-session, still loads in Go.
			store.Set(context.Background(), id, recordFromNode(t, base, id), time.Now().Add(time.Hour))
			if got := body(t, serve(h, "GET", "/", cookie)); got != "4" {
				t.Fatalf("Go after Node: %q, want 4", got)
			}
		})
	}
}

// The Set-Cookie headers have the same shape: the same attributes in the
// same order.
func TestSetCookieShapeMatchesExpress(t *testing.T) {
	base := expressApp(t, []string{nodeSecretA}, time.Minute)
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	nodeSC := res.Header.Get("Set-Cookie")
	m, _, _ := newManager(t, session.Options{Secrets: []string{nodeSecretA}, Cookie: session.CookieOptions{MaxAge: time.Minute}})
	goSC := serve(m.Handler(counter), "GET", "/", "").Header.Get("Set-Cookie")
	shape := regexp.MustCompile(`=[^;]*`)
	if a, b := shape.ReplaceAllString(nodeSC, "="), shape.ReplaceAllString(goSC, "="); a != b {
		t.Fatalf("Set-Cookie shape differs:\nnode %s\ngo   %s", nodeSC, goSC)
	}
	value := regexp.MustCompile(`^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+;`)
	for _, sc := range []string{nodeSC, goSC} {
		if !value.MatchString(sc) {
			t.Errorf("cookie value %q: want s%%3A + 32-char base64url ID + signature", sc)
		}
	}
}
