package session_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

func TestCountsAcrossRequests(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	srv := httptest.NewServer(m.Handler(counter))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for want := 1; want <= 3; want++ {
		res, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got := body(t, res); got != strconv.Itoa(want) {
			t.Fatalf("visit %d: body %q", want, got)
		}
		if want == 1 {
			sc := res.Header.Get("Set-Cookie")
			for _, attr := range []string{"connect.sid=s%3A", "; Path=/", "; HttpOnly", "; SameSite=Lax"} {
				if !strings.Contains(sc, attr) {
					t.Errorf("Set-Cookie %q lacks %q", sc, attr)
				}
			}
			if strings.Contains(sc, "Secure") || strings.Contains(sc, "Expires") {
				t.Errorf("Set-Cookie %q: plain HTTP browser-session cookie must have neither Secure nor Expires", sc)
			}
			if got := res.Header.Get("Vary"); got != "Cookie" {
				t.Errorf("Vary = %q, want Cookie", got)
			}
			if got := res.Header.Get("Cache-Control"); got != `no-cache="Set-Cookie"` {
				t.Errorf("Cache-Control = %q", got)
			}
		}
	}
}

// The save and Set-Cookie decisions of express-session (node-wire-formats.md §1.2).
func TestSaveAndCookieDecisions(t *testing.T) {
	type step struct {
		handler    http.Handler
		wantCookie bool
		wantBody   string
	}
	tests := []struct {
		name  string
		opts  session.Options
		steps []step
		// wantStored is the number of records after the steps.
		wantStored int
	}{
		{"untouched new session: nothing stored, no cookie", session.Options{},
			[]step{{reader, false, "0"}}, 0},
		{"saveUninitialized stores and sends untouched sessions", session.Options{SaveUninitialized: true},
			[]step{{reader, true, "0"}}, 1},
		{"modified session gets a cookie once (browser-session cookie)", session.Options{},
			[]step{{counter, true, "1"}, {counter, false, "2"}, {reader, false, "2"}}, 1},
		{"with maxAge a modified session's cookie is re-sent", session.Options{Cookie: session.CookieOptions{MaxAge: time.Hour}},
			[]step{{counter, true, "1"}, {counter, true, "2"}, {reader, false, "2"}}, 1},
		{"rolling re-sends on every request", session.Options{Rolling: true, Renew: session.RenewEveryRequest()},
			[]step{{counter, true, "1"}, {reader, true, "1"}}, 1},
		{"resave keeps the session stored", session.Options{Resave: true},
			[]step{{counter, true, "1"}, {reader, false, "1"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, store, _ := newManager(t, tt.opts)
			cookie := ""
			for i, st := range tt.steps {
				res := serve(m.Handler(st.handler), "GET", "/", cookie)
				got := sessionCookie(t, res)
				if (got != "") != st.wantCookie {
					t.Fatalf("step %d: Set-Cookie %q, want cookie=%v", i, got, st.wantCookie)
				}
				if b := body(t, res); b != st.wantBody {
					t.Fatalf("step %d: body %q, want %q", i, b, st.wantBody)
				}
				if got != "" {
					cookie = got
				}
			}
			if n := store.Len(); n != tt.wantStored {
				t.Errorf("stored records = %d, want %d", n, tt.wantStored)
			}
		})
	}
}

func TestBadCookiesStartNewSession(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	h := m.Handler(counter)
	first := sessionCookie(t, serve(h, "GET", "/", ""))
	if res := serve(h, "GET", "/", first); body(t, res) != "2" {
		t.Fatal("valid cookie did not load the session")
	}
	value := strings.TrimPrefix(first, "connect.sid=")
	bad := map[string]string{
		"tampered signature": "connect.sid=" + value[:len(value)-2] + "xx",
		"tampered id":        "connect.sid=s%3AX" + value[4:],
		"unsigned":           "connect.sid=" + strings.TrimPrefix(value, "s%3A"),
		"garbage":            "connect.sid=%ff%fe%00",
		"oversized":          "connect.sid=s%3A" + strings.Repeat("a", 8000) + ".b",
		"empty":              "connect.sid=",
		"unknown id":         "connect.sid=" + encode(session.Sign("unknown-id", testSecret)),
		"other secret":       "connect.sid=" + encode(session.Sign("x", "another-secret")),
	}
	for name, cookie := range bad {
		t.Run(name, func(t *testing.T) {
			res := serve(h, "GET", "/", cookie)
			if res.StatusCode != 200 {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if got := body(t, res); got != "1" {
				t.Fatalf("count %q, want a new session at 1", got)
			}
			got := sessionCookie(t, res)
			if got == "" || got == first || got == cookie {
				t.Fatalf("new cookie %q: want a fresh ID, never the one supplied", got)
			}
		})
	}
}

func encode(signed string) string {
	r := strings.NewReplacer(":", "%3A", "+", "%2B", "/", "%2F", "=", "%3D")
	return r.Replace("s:" + signed)
}

func TestSecretRotation(t *testing.T) {
	mOld, store, _ := newManager(t, session.Options{Secrets: []string{"old-secret-old-secret-old-secret!"}})
	cookie := sessionCookie(t, serve(mOld.Handler(counter), "GET", "/", ""))
	mNew, _, _ := newManager(t, session.Options{
		Secrets: []string{"new-secret-new-secret-new-secret!", "old-secret-old-secret-old-secret!"},
		Store:   store, Rolling: true,
	})
	res := serve(mNew.Handler(counter), "GET", "/", cookie)
	if got := body(t, res); got != "2" {
		t.Fatalf("old-secret cookie: count %q, want 2", got)
	}
	resigned := sessionCookie(t, res)
	if resigned == "" || resigned == cookie {
		t.Fatalf("cookie not re-signed: %q", resigned)
	}
	if _, err := session.Unsign(strings.TrimPrefix(decode(resigned), "connect.sid=s:"), "new-secret-new-secret-new-secret!"); err != nil {
		t.Fatalf("re-sent cookie not signed with the first secret: %v", err)
	}
}

func decode(s string) string {
	r := strings.NewReplacer("%3A", ":", "%2B", "+", "%2F", "/", "%3D", "=")
	return r.Replace(s)
}

func TestSecureCookie(t *testing.T) {
	tests := []struct {
		name       string
		opts       session.Options
		header     string
		wantCookie bool
		wantSecure bool
	}{
		{"auto over http", session.Options{}, "", true, false},
		{"auto, proxy header ignored without trust", session.Options{}, "https", true, false},
		{"auto, trusted proxy https", session.Options{TrustProxy: true}, "https, http", true, true},
		{"auto, trusted proxy http", session.Options{TrustProxy: true}, "http", true, false},
		{"always over http: not sent", session.Options{Cookie: session.CookieOptions{Secure: session.SecureAlways}}, "", false, false},
		{"always, trusted proxy", session.Options{TrustProxy: true, Cookie: session.CookieOptions{Secure: session.SecureAlways}}, " HTTPS ", true, true},
		{"never, trusted https", session.Options{TrustProxy: true, Cookie: session.CookieOptions{Secure: session.SecureNever}}, "https", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, store, _ := newManager(t, tt.opts)
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("X-Forwarded-Proto", tt.header)
			}
			w := httptest.NewRecorder()
			m.Handler(counter).ServeHTTP(w, r)
			sc := w.Result().Header.Get("Set-Cookie")
			if (sc != "") != tt.wantCookie {
				t.Fatalf("Set-Cookie %q, want cookie=%v", sc, tt.wantCookie)
			}
			if strings.Contains(sc, "; Secure") != tt.wantSecure {
				t.Fatalf("Set-Cookie %q, want Secure=%v", sc, tt.wantSecure)
			}
			if store.Len() != 1 {
				t.Fatalf("stored %d records: the session is saved even when its cookie cannot be sent", store.Len())
			}
		})
	}
}

func TestCookiePathGatesMiddleware(t *testing.T) {
	m, _, _ := newManager(t, session.Options{Cookie: session.CookieOptions{Path: "/app"}})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if session.From(r) == nil {
			io.WriteString(w, "none")
			return
		}
		io.WriteString(w, "session")
	}))
	for path, want := range map[string]string{"/app": "session", "/app/x": "session", "/application": "session", "/": "none", "/other": "none"} {
		if got := body(t, serve(h, "GET", path, "")); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

func TestStoreDown(t *testing.T) {
	fs := &faultyStore{Store: newMemStore(t)}
	m, _, logs := newManager(t, session.Options{Store: fs})
	h := m.Handler(counter)
	cookie := sessionCookie(t, serve(h, "GET", "/", ""))

	fs.setDown(true)
	res := serve(h, "GET", "/", cookie)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("load with store down: status %d, want 503", res.StatusCode)
	}
	if b := body(t, res); strings.Contains(b, "refused") {
		t.Fatalf("body leaks the store error: %q", b)
	}
	res = serve(h, "GET", "/", "")
	if res.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(body(t, res)) != "Service Unavailable" {
		t.Fatalf("save with store down: status %d, want 503 and only the status text", res.StatusCode)
	}
	if n := strings.Count(logs.String(), "connection refused"); n != 2 {
		t.Errorf("store error logged %d times for 2 failures, want 2:\n%s", n, logs)
	}

	fs.setDown(false)
	if got := body(t, serve(h, "GET", "/", cookie)); got != "2" {
		t.Fatalf("after recovery: count %q, want 2 (the session saved before the outage)", got)
	}
}

func TestReadYourWrites(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("k", "v"); err != nil {
			t.Error(err)
		}
		w.WriteHeader(200)
		// Headers are out: the record must already be in the store.
		if store.Len() != 1 {
			t.Errorf("record not stored before the response headers: %d records", store.Len())
		}
	}))
	serve(h, "GET", "/", "")
}

func TestLateChanges(t *testing.T) {
	m, _, logs := newManager(t, session.Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if r.URL.Query().Has("first") {
			s.Set("a", 1)
		}
		io.WriteString(w, "streamed ")
		http.NewResponseController(w).Flush()
		n, _ := session.Get[int](s, "late")
		s.Set("late", n+1) // after the headers went out
	}))
	cookie := sessionCookie(t, serve(h, "GET", "/?first", ""))
	if cookie == "" {
		t.Fatal("no cookie")
	}
	serve(h, "GET", "/", cookie)
	res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := session.Get[int](session.From(r), "late")
		io.WriteString(w, strconv.Itoa(n))
	})), "GET", "/", cookie)
	if got := body(t, res); got != "2" {
		t.Fatalf("late changes: %q, want 2 (both late sets saved)", got)
	}

	// A new session first modified after the headers cannot get its
	// cookie: a clear error in the log, not a silent drop.
	serve(h, "GET", "/", "")
	if !strings.Contains(logs.String(), session.ErrHeadersWritten.Error()) {
		t.Fatalf("log lacks ErrHeadersWritten:\n%s", logs)
	}
}

func TestFlusherAndResponseController(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("k", 1)
		if _, ok := w.(http.Flusher); !ok {
			t.Error("wrapped writer is not an http.Flusher")
		}
		if _, ok := w.(http.Hijacker); !ok {
			t.Error("wrapped writer is not an http.Hijacker")
		}
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("ResponseController.SetWriteDeadline: %v", err)
		}
		w.(http.Flusher).Flush()
		io.WriteString(w, "ok")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if sessionCookie(t, res) == "" || body(t, res) != "ok" {
		t.Fatal("flushed response lacks the cookie or the body")
	}
}

func TestRegenerate(t *testing.T) {
	for _, keep := range []bool{true, false} {
		m, store, _ := newManager(t, session.Options{})
		cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
		var oldID, newID string
		res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			oldID = s.ID()
			var opts []session.RegenerateOption
			if keep {
				opts = append(opts, session.KeepData())
			}
			if err := s.Regenerate(r.Context(), opts...); err != nil {
				t.Fatal(err)
			}
			newID = s.ID()
		})), "POST", "/login", cookie)
		next := sessionCookie(t, res)
		if newID == oldID || next == "" || next == cookie {
			t.Fatalf("keep=%v: ID %q -> %q, cookie %q -> %q: want a new ID and cookie", keep, oldID, newID, cookie, next)
		}
		if _, _, err := store.Get(context.Background(), oldID); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("keep=%v: old record still stored (err %v)", keep, err)
		}
		if got := body(t, serve(m.Handler(reader), "GET", "/", cookie)); got != "0" {
			t.Fatalf("keep=%v: old cookie still loads data %q", keep, got)
		}
		want := map[bool]string{true: "1", false: "0"}[keep]
		if got := body(t, serve(m.Handler(reader), "GET", "/", next)); got != want {
			t.Fatalf("keep=%v: data after regenerate %q, want %q", keep, got, want)
		}
	}
}

func TestDestroy(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.Destroy(r.Context()); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("x", 1); !errors.Is(err, session.ErrDestroyed) {
			t.Errorf("Set after Destroy: %v, want ErrDestroyed", err)
		}
	})), "POST", "/logout", cookie)
	sc := res.Header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "connect.sid=;") || !strings.Contains(sc, "Expires=Thu, 01 Jan 1970 00:00:00 GMT") {
		t.Fatalf("Set-Cookie %q: want an expiring session cookie", sc)
	}
	if store.Len() != 0 {
		t.Fatalf("%d records left after Destroy", store.Len())
	}
}

func TestUnsetDestroy(t *testing.T) {
	for _, resave := range []bool{false, true} {
		m, store, _ := newManager(t, session.Options{Unset: session.UnsetDestroy, Resave: resave})
		cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
		res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			session.From(r).Clear()
		})), "GET", "/", cookie)
		if store.Len() != 0 || !strings.Contains(res.Header.Get("Set-Cookie"), "1970") {
			t.Fatalf("resave=%v: emptied session: %d records, Set-Cookie %q; want destroyed",
				resave, store.Len(), res.Header.Get("Set-Cookie"))
		}
	}
	// UnsetKeep saves the emptied session.
	m, store, _ := newManager(t, session.Options{})
	cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Clear()
	})), "GET", "/", cookie)
	if store.Len() != 1 || body(t, serve(m.Handler(reader), "GET", "/", cookie)) != "0" {
		t.Fatalf("UnsetKeep: %d records; want the emptied session kept", store.Len())
	}
}

func TestReloadAndSave(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Set("visits", 100)
		if err := s.Reload(r.Context()); err != nil {
			t.Fatal(err)
		}
		if n, _ := session.Get[int](s, "visits"); n != 1 {
			t.Errorf("after Reload visits = %d, want the stored 1", n)
		}
		s.Set("visits", 7)
		if err := s.Save(r.Context()); err != nil {
			t.Fatal(err)
		}
		b, _, _ := store.Get(r.Context(), s.ID())
		if !strings.Contains(string(b), `"visits":7`) {
			t.Errorf("Save did not write: %s", b)
		}
		store.Destroy(r.Context(), s.ID())
		if err := s.Reload(r.Context()); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Reload of a destroyed record: %v, want ErrNotFound", err)
		}
	})), "GET", "/", cookie)
}

func TestSetMaxAge(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	res := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).SetMaxAge(30 * 24 * time.Hour)
	})), "GET", "/", cookie)
	sc := res.Header.Get("Set-Cookie")
	exp, err := http.ParseTime(strings.Split(strings.SplitAfter(sc, "Expires=")[1], ";")[0])
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", sc, err)
	}
	if d := time.Until(exp); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Fatalf("Expires in %v, want about 30 days", d)
	}
	id := strings.Split(strings.TrimPrefix(decode(cookie), "connect.sid=s:"), ".")[0]
	b, _, _ := store.Get(context.Background(), id)
	if !strings.Contains(string(b), `"originalMaxAge":2592000000`) {
		t.Fatalf("record not saved with the new max age: %s", b)
	}
}

func TestTimeouts(t *testing.T) {
	fs := &faultyStore{Store: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: fs, IdleTimeout: 10 * time.Minute, AbsoluteTimeout: time.Hour,
		Cookie: session.CookieOptions{MaxAge: 24 * time.Hour}})
	before := time.Now()
	cookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	if len(fs.sets) != 1 {
		t.Fatalf("%d saves, want 1", len(fs.sets))
	}
	if d := fs.sets[0].Sub(before); d < 10*time.Minute-time.Second || d > 10*time.Minute+time.Second {
		t.Fatalf("store expiry in %v, want the 10-minute idle timeout", d)
	}

	// A record created more than AbsoluteTimeout ago is not loaded.
	id := strings.Split(strings.TrimPrefix(decode(cookie), "connect.sid=s:"), ".")[0]
	b, _, _ := fs.Get(context.Background(), id)
	old := regexp.MustCompile(`"__created":\d+`).ReplaceAllString(string(b), `"__created":1000`)
	if old == string(b) {
		t.Fatalf("record lacks __created: %s", b)
	}
	fs.Store.Set(context.Background(), id, []byte(old), time.Now().Add(time.Hour))
	if got := body(t, serve(m.Handler(counter), "GET", "/", cookie)); got != "1" {
		t.Fatalf("session past its absolute timeout: count %q, want a new session", got)
	}
}

func TestOptionsErrors(t *testing.T) {
	store := newMemStore(t)
	tests := []struct {
		name string
		opts session.Options
		want error
	}{
		{"no secret", session.Options{Store: store}, session.ErrNoSecret},
		{"empty secret", session.Options{Store: store, Secrets: []string{""}}, session.ErrNoSecret},
		{"no store", session.Options{Secrets: []string{testSecret}}, session.ErrNoStore},
		{"bad name", session.Options{Store: store, Secrets: []string{testSecret}, Name: "a b"}, session.ErrInvalidOption},
		{"bad domain", session.Options{Store: store, Secrets: []string{testSecret}, Cookie: session.CookieOptions{Domain: "a..b"}}, session.ErrInvalidOption},
		{"bad path", session.Options{Store: store, Secrets: []string{testSecret}, Cookie: session.CookieOptions{Path: "/a;b"}}, session.ErrInvalidOption},
		{"bad priority", session.Options{Store: store, Secrets: []string{testSecret}, Cookie: session.CookieOptions{Priority: "urgent"}}, session.ErrInvalidOption},
		{"none without secure", session.Options{Store: store, Secrets: []string{testSecret}, Cookie: session.CookieOptions{SameSite: session.SameSiteNone, Secure: session.SecureNever}}, session.ErrInvalidOption},
		{"negative max age", session.Options{Store: store, Secrets: []string{testSecret}, Cookie: session.CookieOptions{MaxAge: -1}}, session.ErrInvalidOption},
	}
	for _, tt := range tests {
		if _, err := session.New(tt.opts); !errors.Is(err, tt.want) {
			t.Errorf("%s: New error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestShortSecretWarns(t *testing.T) {
	var buf syncBuffer
	_, err := session.New(session.Options{Secrets: []string{"my-secret"}, Store: newMemStore(t), Logger: slogTo(&buf)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "shorter than 32 bytes") {
		t.Fatalf("no warning for a 9-byte secret: %q", buf.String())
	}
}
