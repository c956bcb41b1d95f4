package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// authApp is a small app: /login?user= signs in (keep=1 keeps the data),
// /logout signs out, /visit counts, /me prints the user, /sessions lists
// them, /end?h= ends one, /others ends the rest.
func authApp(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, session.ErrNotSignedIn):
			code = http.StatusUnauthorized
		case errors.Is(err, session.ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(err, session.ErrNoIndex):
			code = http.StatusNotImplemented
		}
		http.Error(w, err.Error(), code)
	}
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		var opts []session.RegenerateOption
		if r.FormValue("keep") == "1" {
			opts = append(opts, session.KeepData())
		}
		var user any = r.FormValue("user")
		if r.FormValue("number") == "1" {
			user = 42
		}
		if err := session.From(r).SignIn(r.Context(), user, opts...); err != nil {
			fail(w, err)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		var opts []session.RegenerateOption
		if r.FormValue("keep") == "1" {
			opts = append(opts, session.KeepData())
		}
		if err := session.From(r).SignOut(r.Context(), opts...); err != nil {
			fail(w, err)
		}
	})
	mux.HandleFunc("/visit", func(w http.ResponseWriter, r *http.Request) {
		if _, err := session.From(r).Increment(r.Context(), "visits", 1); err != nil {
			fail(w, err)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		u, ok := session.From(r).User()
		if ok {
			io.WriteString(w, u)
		}
	})
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		list, err := session.From(r).UserSessions(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		json.NewEncoder(w).Encode(list)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).EndUserSession(r.Context(), r.FormValue("h")); err != nil {
			fail(w, err)
		}
	})
	mux.HandleFunc("/others", func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).EndOtherSessions(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		json.NewEncoder(w).Encode(n)
	})
	return mux
}

// device is one browser: its cookie and user agent.
type device struct {
	h      http.Handler
	cookie string
	ua     string
}

func (d *device) get(t *testing.T, target string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	if d.cookie != "" {
		r.Header.Set("Cookie", d.cookie)
	}
	r.Header.Set("User-Agent", d.ua)
	w := httptest.NewRecorder()
	d.h.ServeHTTP(w, r)
	res := w.Result()
	for _, sc := range res.Header.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(sc, ";")
		name, value, _ := strings.Cut(pair, "=")
		if strings.Contains(sc, "Expires=Thu, 01 Jan 1970") {
			d.cookie = ""
		} else if name == "connect.sid" || name == "session" {
			d.cookie = name + "=" + value
		}
	}
	return res.StatusCode, w.Body.String()
}

func TestSignInRegeneratesAndStoresThePassportShape(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	d := &device{h: m.Handler(authApp(t)), ua: "Mozilla/5.0 Firefox/133.0"}
	d.get(t, "/visit")
	before := d.cookie
	oldID := idOf(t, before)
	if code, _ := d.get(t, "/login?user=alice&keep=1"); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if d.cookie == before || d.cookie == "" {
		t.Fatalf("sign-in kept the cookie %q: no new ID", d.cookie)
	}
	if _, _, err := store.Get(context.Background(), oldID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the record under the old ID survived sign-in: %v", err)
	}
	rec, _, err := store.Get(context.Background(), idOf(t, d.cookie))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(rec, &got); err != nil {
		t.Fatal(err)
	}
	if string(got["passport"]) != `{"user":"alice"}` || string(got["visits"]) != "1" {
		t.Errorf("record after sign-in with KeepData = %s; want passport {\"user\":\"alice\"} and visits 1", rec)
	}
	if _, me := d.get(t, "/me"); me != "alice" {
		t.Errorf("User() = %q, want alice", me)
	}
	// The old cookie replayed is not signed in.
	old := &device{h: d.h, cookie: before}
	if _, me := old.get(t, "/me"); me != "" {
		t.Errorf("the pre-sign-in cookie is signed in as %q", me)
	}

	// Sign-out: a new ID, no user, the signed-in record gone.
	signedIn := d.cookie
	d.get(t, "/logout")
	if d.cookie == signedIn {
		t.Fatal("sign-out kept the session ID")
	}
	if _, _, err := store.Get(context.Background(), idOf(t, signedIn)); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the signed-in record survived sign-out: %v", err)
	}
	if _, me := d.get(t, "/me"); me != "" {
		t.Errorf("signed in as %q after sign-out", me)
	}
	replay := &device{h: d.h, cookie: signedIn}
	if _, me := replay.get(t, "/me"); me != "" {
		t.Errorf("the signed-in cookie replayed after sign-out is signed in as %q", me)
	}
}

func TestSignInWithoutKeepEmptiesAndNumberUsersStayNumbers(t *testing.T) {
	m, store, _ := newManager(t, session.Options{UserKey: "auth"})
	d := &device{h: m.Handler(authApp(t))}
	d.get(t, "/visit")
	d.get(t, "/login?number=1")
	rec, _, err := store.Get(context.Background(), idOf(t, d.cookie))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	json.Unmarshal(rec, &got)
	if string(got["auth"]) != `{"user":42}` || got["visits"] != nil || got["passport"] != nil {
		t.Errorf("record = %s; want auth {\"user\":42} and no visits", rec)
	}
	if _, me := d.get(t, "/me"); me != "42" {
		t.Errorf("User() = %q, want 42", me)
	}
	// Sign-out with KeepData keeps the emptied object, as Passport.
	d.get(t, "/logout?keep=1")
	rec, _, _ = store.Get(context.Background(), idOf(t, d.cookie))
	got = nil
	json.Unmarshal(rec, &got)
	if string(got["auth"]) != `{}` || got["__signin"] != nil {
		t.Errorf("record after sign-out keeping the data = %s; want auth {} and no __signin", rec)
	}
}

func TestSignInRejectsOtherUsers(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	var errs []error
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for _, u := range []any{"", 1.5, struct{}{}, nil, []string{"a"}} {
			errs = append(errs, s.SignIn(r.Context(), u))
		}
	}))
	serve(h, "GET", "/", "")
	for i, err := range errs {
		if !errors.Is(err, session.ErrInvalidUser) {
			t.Errorf("SignIn case %d = %v, want ErrInvalidUser", i, err)
		}
	}
}

func TestUserSessionsListAndEnd(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	app := m.Handler(authApp(t))
	laptop := &device{h: app, ua: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36"}
	phone := &device{h: app, ua: "Mozilla/5.0 (iPhone) Version/18.1 Mobile Safari/604.1"}
	tablet := &device{h: app, ua: "tablet"}
	other := &device{h: app, ua: "bob's"}
	for _, d := range []*device{laptop, phone, tablet} {
		d.get(t, "/login?user=alice")
	}
	other.get(t, "/login?user=bob")

	list := func(d *device) []session.UserSession {
		t.Helper()
		code, b := d.get(t, "/sessions")
		if code != 200 {
			t.Fatalf("/sessions: %d %s", code, b)
		}
		var l []session.UserSession
		if err := json.Unmarshal([]byte(b), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := list(laptop)
	if len(l) != 3 {
		t.Fatalf("alice has %d sessions listed, want 3: %+v", len(l), l)
	}
	current, uas := 0, map[string]string{}
	for _, us := range l {
		if us.Current {
			current++
			if us.UserAgent != laptop.ua {
				t.Errorf("the current session's user agent = %q, want the laptop's", us.UserAgent)
			}
		}
		if us.Handle == "" || strings.Contains(laptop.cookie+phone.cookie+tablet.cookie, us.Handle) {
			t.Errorf("handle %q is empty or part of a cookie", us.Handle)
		}
		if us.SignedIn.IsZero() || us.LastSeen.IsZero() || us.Expires.Before(us.LastSeen) {
			t.Errorf("times of %+v", us)
		}
		uas[us.UserAgent] = us.Handle
	}
	if current != 1 {
		t.Errorf("%d sessions marked current, want 1", current)
	}

	// The laptop ends the phone's session: the phone is signed out.
	if code, b := laptop.get(t, "/end?h="+uas[phone.ua]); code != 200 {
		t.Fatalf("end: %d %s", code, b)
	}
	if _, me := phone.get(t, "/me"); me != "" {
		t.Errorf("the ended phone session is still signed in as %q", me)
	}
	if code, _ := laptop.get(t, "/end?h=nonsense"); code != http.StatusNotFound {
		t.Errorf("ending an unknown handle: %d, want 404", code)
	}
	// Bob cannot end alice's sessions by handle.
	if code, _ := other.get(t, "/end?h="+uas[tablet.ua]); code != http.StatusNotFound {
		t.Errorf("bob ending alice's session: %d, want 404", code)
	}
	// Everywhere else: the tablet goes, the laptop stays, bob is untouched.
	if _, b := laptop.get(t, "/others"); strings.TrimSpace(b) != "1" {
		t.Errorf("EndOtherSessions ended %s, want 1", b)
	}
	if _, me := tablet.get(t, "/me"); me != "" {
		t.Errorf("tablet still signed in as %q", me)
	}
	if _, me := laptop.get(t, "/me"); me != "alice" {
		t.Errorf("laptop signed in as %q, want alice", me)
	}
	if _, me := other.get(t, "/me"); me != "bob" {
		t.Errorf("bob signed in as %q, want bob", me)
	}
	if l := list(laptop); len(l) != 1 || !l[0].Current {
		t.Errorf("alice's sessions after ending the others: %+v", l)
	}
	// Administrator: every session of bob.
	if n, err := m.EndUserSessions(context.Background(), "bob"); err != nil || n != 1 {
		t.Errorf("EndUserSessions(bob) = %d, %v; want 1", n, err)
	}
	if _, me := other.get(t, "/me"); me != "" {
		t.Errorf("bob still signed in after EndUserSessions")
	}
	// Not signed in.
	anon := &device{h: app}
	if code, _ := anon.get(t, "/sessions"); code != http.StatusUnauthorized {
		t.Errorf("/sessions when signed out: %d, want 401", code)
	}
}

func TestMaxSessionsPerUserEndsTheOldest(t *testing.T) {
	m, _, _ := newManager(t, session.Options{MaxSessionsPerUser: 2})
	app := m.Handler(authApp(t))
	ds := []*device{{h: app}, {h: app}, {h: app}}
	for _, d := range ds {
		d.get(t, "/login?user=carol")
	}
	signedIn := 0
	for i, d := range ds {
		if _, me := d.get(t, "/me"); me == "carol" {
			signedIn++
		} else if i != 0 {
			t.Errorf("device %d, not the oldest, was signed out", i)
		}
	}
	if signedIn != 2 {
		t.Errorf("%d sessions signed in with MaxSessionsPerUser 2", signedIn)
	}
	if _, err := session.New(session.Options{Secrets: []string{testSecret}, Store: plainStore{newMemStore(t)}, MaxSessionsPerUser: 1}); !errors.Is(err, session.ErrInvalidOption) {
		t.Errorf("MaxSessionsPerUser on a store without UserIndex: %v, want ErrInvalidOption", err)
	}
}

func TestSignInOnSealedSessions(t *testing.T) {
	sm := newSealedManager(t)
	d := &device{h: sm.Handler(authApp(t))}
	d.get(t, "/visit")
	d.get(t, "/login?user=dave&keep=1")
	if _, me := d.get(t, "/me"); me != "dave" {
		t.Errorf("sealed User() = %q, want dave", me)
	}
	if code, _ := d.get(t, "/sessions"); code != http.StatusNotImplemented {
		t.Errorf("sealed /sessions: %d, want 501 (ErrNoIndex)", code)
	}
	d.get(t, "/logout")
	if _, me := d.get(t, "/me"); me != "" {
		t.Errorf("sealed session signed in as %q after sign-out", me)
	}
}

func TestRecordUser(t *testing.T) {
	for _, c := range []struct {
		rec, key, want string
		ok             bool
	}{
		{`{"passport":{"user":"alice"}}`, "passport", "alice", true},
		{`{"passport":{"user":42}}`, "passport", "42", true},
		{`{"passport":{"user":0}}`, "passport", "0", true},
		{`{"passport":{}}`, "passport", "", false},
		{`{"passport":{"user":""}}`, "passport", "", false},
		{`{"passport":{"user":null}}`, "passport", "", false},
		{`{"passport":{"user":{"id":1}}}`, "passport", "", false},
		{`{"auth":{"user":"x"}}`, "passport", "", false},
		{`{"auth":{"user":"x"}}`, "auth", "x", true},
		{`{"passport":{"user":"a\u0062"}}`, "passport", "ab", true},
		{`{"passport":"alice"}`, "passport", "", false},
		{`not json`, "passport", "", false},
		{`{"passport":{"user":"alice"}`, "passport", "", false},
	} {
		got, ok := session.RecordUser([]byte(c.rec), c.key)
		if got != c.want || ok != c.ok {
			t.Errorf("RecordUser(%s, %q) = %q, %v; want %q, %v", c.rec, c.key, got, ok, c.want, c.ok)
		}
	}
}

// idOf returns the session ID in a "connect.sid=s%3AID.SIG" cookie pair.
func idOf(t *testing.T, pair string) string {
	t.Helper()
	v, ok := strings.CutPrefix(pair, "connect.sid=s%3A")
	i := strings.LastIndexByte(v, '.')
	if !ok || i < 0 {
		t.Fatalf("no signed session ID in %q", pair)
	}
	return v[:i]
}

// KeepData carries the cookie over too, as Passport's merge does:
// a "remember me" set before signing in survives it.
func TestSignInKeepsRememberMe(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.SetMaxAge(time.Hour)
		if err := s.SignIn(r.Context(), "erin", session.KeepData()); err != nil {
			t.Error(err)
		}
	}))
	res := serve(h, "GET", "/", "")
	sc := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, "Expires=") {
		t.Errorf("remember-me lost at sign-in: Set-Cookie %q has no Expires", sc)
	}
}

// A __signin left by another user's sign-in (a Node app's keepSessionInfo
// carries it over) is not shown as this user's.
func TestUserSessionsIgnoreAnotherUsersSignInInfo(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	rec := `{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},` +
		`"__signin":{"at":1700000000000,"ua":"gina's browser","user":"gina"},"passport":{"user":"hank"}}`
	if err := store.Set(context.Background(), "hank-session-id-0000000000000000", []byte(rec), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := m.UserSessions(context.Background(), "hank")
	if err != nil || len(list) != 1 {
		t.Fatalf("UserSessions(hank) = %+v, %v", list, err)
	}
	if list[0].UserAgent != "" || !list[0].SignedIn.IsZero() {
		t.Errorf("hank's session shows gina's sign-in: %+v", list[0])
	}
}
