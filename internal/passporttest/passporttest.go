// Package passporttest is the sign-in sharing suite run by the Redis and
// PostgreSQL stores' tests: the real passport 0.7 (req.login, req.logout,
// req.user) on express-session, in testdata/passport, and
// Session.SignIn, SignOut and User in Go, on one store. It signs in and
// out on either side and checks both agree, that the session is
// regenerated and the old record gone, that a replayed cookie is not
// signed in, that keepSessionInfo and KeepData store the same
// shape, and that a number user stays a number.
package passporttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// Run runs the cases against the Node app at node (testdata/passport's
// app.js, started on the same store) and a Go server on store. record
// returns the raw record stored under an ID, and whether there is one.
func Run(t *testing.T, node string, store session.Store, record func(t *testing.T, id string) (string, bool)) {
	t.Helper()
	run(t, newEnv(t, node, store, record))
}

// Secret is the secret the Node app and the Go side sign cookies with.
const Secret = "passport-test-secret-passport-test-secret"

// passportMe is the answer of /me, /, /login and /logout on either side.
type passportMe struct {
	User          any     `json:"user"`     // Node: as deserializeUser gave it; Go: User()'s string
	UserType      *string `json:"userType"` // Node only: typeof req.user
	Authenticated bool    `json:"authenticated"`
	ID            string  `json:"id"`
	Visits        *int    `json:"visits"`
}

func (m passportMe) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// passportEnv is the Node app and a Go server on one store.
type passportEnv struct {
	base   map[string]string // "node" and "go": the servers' URLs
	record func(t *testing.T, id string) (string, bool)
	logs   *passportLog
}

// newPassportEnv starts the Go side of the tests on store: the Node app's
// routes, with SignIn, SignOut and User, on a Manager with the Node app's
// secret and cookie name.
func newEnv(t *testing.T, node string, store session.Store, record func(*testing.T, string) (string, bool)) *passportEnv {
	t.Helper()
	logs := &passportLog{}
	m, err := session.New(session.Options{
		Name:    "connect.sid",
		Secrets: []string{Secret},
		Store:   store,
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(passportGoRoutes()))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if s := logs.String(); s != "" {
			t.Errorf("Go logged:\n%s", s)
		}
	})
	return &passportEnv{base: map[string]string{"node": node, "go": srv.URL}, record: record, logs: logs}
}

// passportGoRoutes are the Node app's routes in Go.
func passportGoRoutes() http.Handler {
	keep := func(r *http.Request) []session.RegenerateOption {
		if r.URL.Query().Get("keep") == "1" {
			return []session.RegenerateOption{session.KeepData()}
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		var user any
		q := r.URL.Query()
		if u := q.Get("user"); u != "" {
			user = u
		} else if n, err := strconv.Atoi(q.Get("id")); err == nil {
			user = n
		} else {
			http.Error(w, "want user=NAME or id=N", http.StatusBadRequest)
			return
		}
		if err := s.SignIn(r.Context(), user, keep(r)...); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		passportWriteMe(w, s, nil)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.SignOut(r.Context(), keep(r)...); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		passportWriteMe(w, s, nil)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		passportWriteMe(w, session.From(r), nil)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n, err := s.Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		v := int(n)
		passportWriteMe(w, s, &v)
	})
	return mux
}

func passportWriteMe(w http.ResponseWriter, s *session.Session, visits *int) {
	me := passportMe{ID: s.ID(), Visits: visits}
	if u, ok := s.User(); ok {
		me.User, me.Authenticated = u, true
	}
	if visits == nil {
		if v, ok := session.Get[int](s, "visits"); ok {
			me.Visits = &v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(me)
}

// passportBrowser is one visitor: a cookie jar shared by both sides
// (cookies are per host, not per port).
type passportBrowser struct {
	e   *passportEnv
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *passportEnv) browser() *passportBrowser {
	jar, _ := cookiejar.New(nil)
	return &passportBrowser{e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, jar: jar}
}

// do sends method path to side ("node" or "go") and decodes the answer.
func (b *passportBrowser) do(t *testing.T, side, method, path string) passportMe {
	t.Helper()
	req, err := http.NewRequest(method, b.e.base[side]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return passportSend(t, b.c, side, req)
}

// cookie returns the connect.sid cookie's value in the jar.
func (b *passportBrowser) cookie(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(b.e.base["node"])
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "connect.sid" {
			return c.Value
		}
	}
	t.Fatal("no connect.sid cookie in the jar")
	return ""
}

// replay sends GET /me to side with the cookie value, outside any jar.
func (e *passportEnv) replay(t *testing.T, side, cookie string) passportMe {
	t.Helper()
	req, err := http.NewRequest("GET", e.base[side]+"/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", "connect.sid="+cookie)
	return passportSend(t, &http.Client{Timeout: 30 * time.Second}, side, req)
}

func passportSend(t *testing.T, c *http.Client, side string, req *http.Request) passportMe {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", req.Method, req.URL.Path, side, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s on %s: %s: %s", req.Method, req.URL.RequestURI(), side, res.Status, body)
	}
	var me passportMe
	if err := json.Unmarshal(body, &me); err != nil {
		t.Fatalf("%s %s on %s: %v: %s", req.Method, req.URL.RequestURI(), side, err, body)
	}
	return me
}

// mustRecord returns the stored record of id, decoded with its numbers as
// json.Number, and its text.
func (e *passportEnv) mustRecord(t *testing.T, id string) (map[string]any, string) {
	t.Helper()
	raw, ok := e.record(t, id)
	if !ok {
		t.Fatalf("no stored record for session %q", id)
	}
	return passportDecode(t, raw), raw
}

func passportDecode(t *testing.T, raw string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var rec map[string]any
	if err := d.Decode(&rec); err != nil {
		t.Fatalf("stored record is not a JSON object: %v: %s", err, raw)
	}
	return rec
}

// gone fails unless the store has no record for id.
func (e *passportEnv) gone(t *testing.T, id, why string) {
	t.Helper()
	if raw, ok := e.record(t, id); ok {
		t.Errorf("%s: the record of the old ID %q is still stored: %s", why, id, raw)
	}
}

// storedUser returns the record's passport.user as decoded (a string, or
// a json.Number), and whether there is one.
func storedUser(rec map[string]any) (any, bool) {
	pp, ok := rec["passport"].(map[string]any)
	if !ok {
		return nil, false
	}
	u, ok := pp["user"]
	return u, ok
}

// wantSignedIn fails unless me, from side, reports user signed in to the
// session id (id "" for any). user is the name, or for a number user its
// JSON text: Go's User() gives that text, Node's req.user the number.
func wantSignedIn(t *testing.T, side string, me passportMe, user, id string) {
	t.Helper()
	got := fmt.Sprint(me.User)
	if n, ok := me.User.(float64); ok {
		got = strconv.FormatFloat(n, 'f', -1, 64)
	}
	if !me.Authenticated || got != user || (id != "" && me.ID != id) {
		t.Errorf("%s /me: %v; want %q signed in to session %q", side, me, user, id)
	}
	if side == "node" {
		wantType := "string"
		if _, err := strconv.Atoi(user); err == nil {
			wantType = "number"
		}
		if me.UserType == nil || *me.UserType != wantType {
			t.Errorf("node: req.user from deserializeUser is a %v; want a %s: %v", me.UserType, wantType, me)
		}
	} else if _, isString := me.User.(string); !isString {
		t.Errorf("go: User() answered %v", me)
	}
}

func wantSignedOut(t *testing.T, side string, me passportMe, why string) {
	t.Helper()
	if me.Authenticated || me.User != nil {
		t.Errorf("%s: %s /me: %v; want nobody signed in", why, side, me)
	}
}

// sideName names a side in a subtest's name.
var sideName = map[string]string{"node": "Node", "go": "Go"}

func other(side string) string {
	if side == "node" {
		return "go"
	}
	return "node"
}

// runPassport runs the cases on e.
func run(t *testing.T, e *passportEnv) {
	// signIn visits side once, so that there is a session to replace, then
	// signs user in on side and checks the new ID and the store.
	signIn := func(t *testing.T, b *passportBrowser, side, user string) (before, after passportMe) {
		t.Helper()
		before = b.do(t, side, "GET", "/")
		e.mustRecord(t, before.ID)
		q := "user=" + url.QueryEscape(user)
		if _, err := strconv.Atoi(user); err == nil {
			q = "id=" + user
		}
		after = b.do(t, side, "POST", "/login?"+q)
		wantSignedIn(t, side, after, user, "")
		if after.ID == before.ID || after.ID == "" {
			t.Fatalf("sign-in on %s kept the session ID %q: not regenerated", side, before.ID)
		}
		e.gone(t, before.ID, "sign-in on "+side)
		rec, raw := e.mustRecord(t, after.ID)
		if u, ok := storedUser(rec); !ok || fmt.Sprint(u) != user {
			t.Fatalf("after sign-in on %s the record holds passport.user %v (%v): %s", side, u, ok, raw)
		}
		return before, after
	}

	// (a) Node's req.login: Go sees the user, on the new ID.
	t.Run("SignInOnNode", func(t *testing.T) {
		b := e.browser()
		_, in := signIn(t, b, "node", "alice")
		for _, side := range []string{"go", "node"} {
			wantSignedIn(t, side, b.do(t, side, "GET", "/me"), "alice", in.ID)
		}
		// Node's visit, then Go's, keep the sign-in.
		b.do(t, "node", "GET", "/")
		v := b.do(t, "go", "GET", "/")
		wantSignedIn(t, "go", v, "alice", in.ID)
		if v.Visits == nil || *v.Visits != 2 {
			t.Errorf("visits after the sign-in: %v; want 2", v)
		}
	})

	// (b) Go's SignOut of Node's sign-in: Node's req.user is gone, and the
	// cookie from before the sign-out is not signed in anywhere.
	t.Run("SignOutOnGo", func(t *testing.T) {
		b := e.browser()
		_, in := signIn(t, b, "node", "bob")
		old := b.cookie(t)
		wantSignedIn(t, "go", e.replay(t, "go", old), "bob", in.ID)
		out := b.do(t, "go", "POST", "/logout")
		wantSignedOut(t, "go", out, "Go's SignOut")
		if out.ID == in.ID {
			t.Errorf("Go's SignOut kept the session ID %q", in.ID)
		}
		e.gone(t, in.ID, "Go's SignOut")
		for _, side := range []string{"node", "go", "node"} {
			wantSignedOut(t, side, b.do(t, side, "GET", "/me"), "after Go's SignOut")
			wantSignedOut(t, side, e.replay(t, side, old), "the cookie from before Go's SignOut replayed")
		}
	})

	// (c) Go's SignIn: Node's req.user and isAuthenticated() agree.
	t.Run("SignInOnGo", func(t *testing.T) {
		b := e.browser()
		_, in := signIn(t, b, "go", "carol")
		for _, side := range []string{"node", "go"} {
			wantSignedIn(t, side, b.do(t, side, "GET", "/me"), "carol", in.ID)
		}
		v := b.do(t, "node", "GET", "/")
		wantSignedIn(t, "node", v, "carol", in.ID)
		wantSignedIn(t, "go", b.do(t, "go", "GET", "/me"), "carol", in.ID)
	})

	// (d) Node's req.logout of Go's sign-in: Go's User() reports false.
	t.Run("SignOutOnNode", func(t *testing.T) {
		b := e.browser()
		_, in := signIn(t, b, "go", "dave")
		old := b.cookie(t)
		wantSignedIn(t, "node", e.replay(t, "node", old), "dave", in.ID)
		out := b.do(t, "node", "POST", "/logout")
		wantSignedOut(t, "node", out, "Node's req.logout")
		if out.ID == in.ID {
			t.Errorf("Node's req.logout kept the session ID %q", in.ID)
		}
		e.gone(t, in.ID, "Node's req.logout")
		for _, side := range []string{"go", "node", "go"} {
			wantSignedOut(t, side, b.do(t, side, "GET", "/me"), "after Node's req.logout")
			wantSignedOut(t, side, e.replay(t, side, old), "the cookie from before Node's req.logout replayed")
		}
	})

	// (e) keepSessionInfo and KeepData(): a visit count counted on
	// both sides survives a sign-in on either, and the sign-out after it.
	for _, side := range []string{"node", "go"} {
		t.Run("KeepData/SignInOn"+sideName[side], func(t *testing.T) {
			b := e.browser()
			b.do(t, other(side), "GET", "/")
			before := b.do(t, side, "GET", "/")
			in := b.do(t, side, "POST", "/login?user=erin&keep=1")
			wantSignedIn(t, side, in, "erin", "")
			if in.ID == before.ID {
				t.Fatalf("sign-in on %s with keepSessionInfo kept the session ID %q", side, in.ID)
			}
			e.gone(t, before.ID, "sign-in with keepSessionInfo on "+side)
			for _, s := range []string{"node", "go"} {
				me := b.do(t, s, "GET", "/me")
				wantSignedIn(t, s, me, "erin", in.ID)
				if me.Visits == nil || *me.Visits != 2 {
					t.Errorf("%s /me after the sign-in on %s: %v; want visits 2 kept", s, side, me)
				}
			}
			if v := b.do(t, other(side), "GET", "/"); v.Visits == nil || *v.Visits != 3 || !v.Authenticated {
				t.Errorf("%s / after the sign-in on %s: %v; want visits 3, signed in", other(side), side, v)
			}
			out := b.do(t, side, "POST", "/logout?keep=1")
			wantSignedOut(t, side, out, "sign-out with keepSessionInfo")
			e.gone(t, in.ID, "sign-out with keepSessionInfo on "+side)
			for _, s := range []string{"node", "go"} {
				me := b.do(t, s, "GET", "/me")
				wantSignedOut(t, s, me, "after the sign-out with keepSessionInfo on "+side)
				if me.Visits == nil || *me.Visits != 3 || me.ID != out.ID {
					t.Errorf("%s /me after the sign-out on %s: %v; want visits 3 kept in session %q", s, side, me, out.ID)
				}
			}
		})
	}

	// (e) The records Go's SignIn and SignOut leave have the shape of
	// those passport's req.login and req.logout leave, with and without
	// keepSessionInfo.
	t.Run("RecordShape", func(t *testing.T) {
		for _, keep := range []bool{false, true} {
			q := ""
			if keep {
				q = "&keep=1"
			}
			type result struct{ in, out string } // the records ("" for none)
			var got = map[string]result{}
			for _, side := range []string{"node", "go"} {
				b := e.browser()
				b.do(t, side, "GET", "/")
				b.do(t, side, "GET", "/")
				in := b.do(t, side, "POST", "/login?user=frank"+q)
				_, rin := e.mustRecord(t, in.ID)
				out := b.do(t, side, "POST", "/logout?x=1"+q)
				rout, _ := e.record(t, out.ID)
				e.gone(t, in.ID, "sign-out on "+side)
				got[side] = result{rin, rout}
			}
			t.Logf("keepSessionInfo=%v: after req.login: %s", keep, got["node"].in)
			t.Logf("keepSessionInfo=%v: after SignIn:    %s", keep, got["go"].in)
			t.Logf("keepSessionInfo=%v: after req.logout: %s", keep, got["node"].out)
			t.Logf("keepSessionInfo=%v: after SignOut:    %s", keep, got["go"].out)
			for _, stage := range []string{"sign-in", "sign-out"} {
				n, g := got["node"].in, got["go"].in
				if stage == "sign-out" {
					n, g = got["node"].out, got["go"].out
				}
				if (n == "") != (g == "") {
					t.Errorf("keepSessionInfo=%v, after the %s: Node stored %q, Go stored %q; want a record on both or neither", keep, stage, n, g)
					continue
				}
				if n == "" {
					continue
				}
				if sn, sg := passportShape(t, n), passportShape(t, g); !reflect.DeepEqual(sn, sg) {
					t.Errorf("keepSessionInfo=%v, after the %s: records differ\nNode: %s\nGo:   %s\n(compared, without the cookie's expiry and Go's __signin: Node %v, Go %v)",
						keep, stage, n, g, sn, sg)
				}
			}
		}
	})

	// (f) A number user keeps its JSON type: SignIn(ctx, 42) stores 42,
	// which passport's deserializeUser receives as the number 42, and
	// req.login(7) stores 7, which Go's User() reads as "7".
	t.Run("NumberUser", func(t *testing.T) {
		for _, tc := range []struct{ side, id string }{{"go", "42"}, {"node", "7"}} {
			b := e.browser()
			_, in := signIn(t, b, tc.side, tc.id)
			rec, raw := e.mustRecord(t, in.ID)
			if u, _ := storedUser(rec); u != json.Number(tc.id) {
				t.Errorf("sign-in of %s on %s: passport.user stored as %#v, want the number %s: %s", tc.id, tc.side, u, tc.id, raw)
			}
			if want := `"passport":{"user":` + tc.id + `}`; !strings.Contains(raw, want) {
				t.Errorf("sign-in of %s on %s: record %s; want it to hold %s", tc.id, tc.side, raw, want)
			}
			for _, side := range []string{"node", "go"} {
				wantSignedIn(t, side, b.do(t, side, "GET", "/me"), tc.id, in.ID)
			}
		}
	})
}

// passportShape is what of a stored record Node and Go must agree on: every
// member (the top-level keys and their values, the passport object among
// them) but Go's own "__signin", which Node ignores; in the cookie, the
// expiry is left out, and "secure": false, which Go's default SecureAuto
// stores as express-session's secure: 'auto' does, counts as no "secure",
// which the Node app (no secure option) stores: both are a cookie without
// the Secure attribute.
func passportShape(t *testing.T, raw string) map[string]any {
	t.Helper()
	rec := passportDecode(t, raw)
	delete(rec, "__signin")
	if c, ok := rec["cookie"].(map[string]any); ok {
		delete(c, "expires")
		if c["secure"] == false {
			delete(c, "secure")
		}
	}
	return rec
}

// passportLog is the Go Manager's log, safe for concurrent writers.
type passportLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *passportLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *passportLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
