// Package flowtest is a test helper for framework adapters: it drives an
// app through a real HTTP server and a cookie jar, the way the visit
// tracker is used, and checks that the session middleware keeps its
// guarantees inside the framework. It is meant for _test.go files only.
// It is a module of its own, never required by a library module: the
// flows of this repository's adapters (gin, Echo, chi, gorilla/mux) are
// this module's own tests, so the adapters' modules do not depend on it.
//
// An adapter's test gives Run a function that builds the framework's
// server: the middleware made from the Manager it is handed, and six
// routes whose handlers, written in the framework's own idiom (c.String,
// c.Writer.Flush, ...), call the matching Routes method with the request's
// session:
//
//	GET  /count    Routes.Count
//	POST /signin   Routes.SignIn
//	GET  /user     Routes.User
//	POST /destroy  Routes.Destroy
//	GET  /stream   Routes.Stream (writes and flushes through the framework)
//	GET  /late     Routes.Late
//
// Run then checks, on server-side sessions (a memstore) and on sealed
// cookie sessions: a count that goes 1, 2, 3 with the cookie sent on the
// first response; a sign-in that gives a new cookie and, server-side, a
// new ID whose old record is gone; a destroy that expires the cookie
// (Expires in 1970), after which the next request starts a new session;
// a change made before a flush that is committed before the headers went
// out, and a change made after streaming that the next request sees
// (server-side) or that is logged as session.ErrHeadersWritten (sealed,
// whose cookie had already gone); and, with a store that fails (a real
// Redis client on a port nobody listens on), a 503 from the manager's
// error handler with none of the routes' handlers run.
package flowtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/redisstore"
	"github.com/sessionkit/session/sealed"

	"github.com/redis/go-redis/v9"
)

// Manager is the session middleware an adapter wraps: *session.Manager
// or *session.SealedManager.
type Manager interface {
	Handler(next http.Handler) http.Handler
}

// Secret is the secret the server-side Manager that Run builds signs with.
const Secret = "flowtest-secret-of-at-least-32-bytes!"

// The user Routes.SignIn signs in, and what Routes.Stream sets late.
const (
	User      = "alice"
	LateValue = "after streaming"
)

// Routes are the handlers' logic, independent of the framework. Each
// method takes the request's context and its session (nil when the
// adapter failed to provide one, answered by a 500) and returns the
// status and the body the framework's handler writes, with c.String or
// its equivalent.
type Routes struct {
	calls atomic.Int64 // handler calls, all routes
	mu    sync.Mutex
	gate  chan struct{} // Stream waits on it after flushing; nil: no wait
}

// Count adds one to the session's "visits" and returns it ("1", "2", ...).
// It returns 500 and the error when the session cannot be set.
func (rt *Routes) Count(_ context.Context, s *session.Session) (int, string) {
	rt.calls.Add(1)
	if s == nil {
		return http.StatusInternalServerError, "no session"
	}
	n, _ := session.Get[int](s, "visits")
	n++
	if err := s.Set("visits", n); err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	return http.StatusOK, strconv.Itoa(n)
}

// SignIn signs User in (a new session ID, the data emptied) and returns
// User. It returns 503 and the error when the sign-in fails.
func (rt *Routes) SignIn(ctx context.Context, s *session.Session) (int, string) {
	rt.calls.Add(1)
	if s == nil {
		return http.StatusInternalServerError, "no session"
	}
	if err := s.SignIn(ctx, User); err != nil {
		return http.StatusServiceUnavailable, err.Error()
	}
	return http.StatusOK, User
}

// User returns the signed-in user, or "" when nobody is signed in.
func (rt *Routes) User(_ context.Context, s *session.Session) (int, string) {
	rt.calls.Add(1)
	if s == nil {
		return http.StatusInternalServerError, "no session"
	}
	u, _ := s.User()
	return http.StatusOK, u
}

// Destroy destroys the session and returns "destroyed". It returns 503
// and the error when the store fails.
func (rt *Routes) Destroy(ctx context.Context, s *session.Session) (int, string) {
	rt.calls.Add(1)
	if s == nil {
		return http.StatusInternalServerError, "no session"
	}
	if err := s.Destroy(ctx); err != nil {
		return http.StatusServiceUnavailable, err.Error()
	}
	return http.StatusOK, "destroyed"
}

// Late returns the value Stream set after streaming, or "".
func (rt *Routes) Late(_ context.Context, s *session.Session) (int, string) {
	rt.calls.Add(1)
	if s == nil {
		return http.StatusInternalServerError, "no session"
	}
	v, _ := session.Get[string](s, "late")
	return http.StatusOK, v
}

// Stream sets "streamed" to true, writes "streamed\n" to w (the
// framework's response writer) and flushes it with flush (the framework's
// Flush): the session must be committed then, before the headers go out.
// It then waits until Run has checked that, or ctx is done, and sets
// "late" to LateValue, which the middleware must save when the handler
// returns. It writes nothing when s is nil.
func (rt *Routes) Stream(ctx context.Context, s *session.Session, w io.Writer, flush func()) {
	rt.calls.Add(1)
	if s == nil {
		return
	}
	if err := s.Set("streamed", true); err != nil {
		return
	}
	if _, err := io.WriteString(w, "streamed\n"); err != nil {
		return
	}
	flush()
	rt.mu.Lock()
	gate := rt.gate
	rt.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return
		}
	}
	_ = s.Set("late", LateValue)
}

// hold makes the next Stream wait after its flush until the returned
// function is called (which is safe to call more than once).
func (rt *Routes) hold() (release func()) {
	gate := make(chan struct{})
	rt.mu.Lock()
	rt.gate = gate
	rt.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

// Run runs the flow against the servers newServer builds: with
// server-side Managers on a memstore and on a failing store, and with a
// sealed-cookie Manager. Failures are reported through t.
// newServer must install m's middleware through the adapter under test
// and serve the routes listed in the package documentation.
func Run(t *testing.T, newServer func(m Manager, rt *Routes) http.Handler) {
	t.Run("Server", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			run  func(t *testing.T, a *app)
		}{
			{"Count", count}, {"SignIn", signIn}, {"Destroy", destroy}, {"LateWrite", lateWrite},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newServerApp(t, newServer)
				tc.run(t, a)
				a.noErrors(t)
			})
		}
		t.Run("StoreDown", func(t *testing.T) { storeDown(t, newServer) })
	})
	t.Run("Sealed", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			run  func(t *testing.T, a *app)
		}{
			{"Count", count}, {"SignIn", signIn}, {"Destroy", destroy}, {"LateWrite", lateWriteSealed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newSealedApp(t, newServer)
				tc.run(t, a)
				if tc.name != "LateWrite" {
					a.noErrors(t)
				}
			})
		}
	})
}

// app is one server under test with one client.
type app struct {
	srv    *httptest.Server
	client *http.Client
	jar    *cookiejar.Jar
	url    *url.URL
	rt     *Routes
	name   string              // the cookie name
	store  *memstore.Store     // nil for sealed sessions
	logs   *logRecorder        // what the manager logged
	id     func(string) string // the session ID in a cookie value ("" sealed)
}

func newApp(t *testing.T, m Manager, name string, store *memstore.Store, logs *logRecorder, newServer func(Manager, *Routes) http.Handler) *app {
	t.Helper()
	rt := &Routes{}
	srv := httptest.NewServer(newServer(m, rt))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &app{srv: srv, client: &http.Client{Jar: jar}, jar: jar, url: u, rt: rt, name: name, store: store, logs: logs}
}

func newServerApp(t *testing.T, newServer func(Manager, *Routes) http.Handler) *app {
	t.Helper()
	store := memstore.New(memstore.Options{})
	t.Cleanup(func() { store.Close() })
	logs := &logRecorder{}
	m, err := session.New(session.Options{Secrets: []string{Secret}, Store: store, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, m, session.DefaultName, store, logs, newServer)
	a.id = func(value string) string {
		t.Helper()
		v, err := url.PathUnescape(value)
		if err != nil {
			t.Fatalf("cookie value %q: %v", value, err)
		}
		signed, ok := strings.CutPrefix(v, "s:")
		if !ok {
			t.Fatalf("cookie value %q: no s: prefix", v)
		}
		id, err := session.Unsign(signed, Secret)
		if err != nil {
			t.Fatalf("cookie value %q: %v", v, err)
		}
		return id
	}
	return a
}

func newSealedApp(t *testing.T, newServer func(Manager, *Routes) http.Handler) *app {
	t.Helper()
	key, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logRecorder{}
	box, err := sealed.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.NewSealed(session.SealedOptions{Sealer: box, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, m, session.DefaultSealedName, nil, logs, newServer)
	a.id = func(string) string { return "" }
	return a
}

// do sends a request and returns the response with its body read.
func (a *app) do(t *testing.T, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return res, string(b)
}

// want sends a request and fails unless it answers 200 with body.
func (a *app) want(t *testing.T, method, path, body string) *http.Response {
	t.Helper()
	res, got := a.do(t, method, path)
	if res.StatusCode != http.StatusOK || got != body {
		t.Fatalf("%s %s = %d %q, want 200 %q", method, path, res.StatusCode, got, body)
	}
	return res
}

// cookie returns the session cookie's value in the jar, "" when none.
func (a *app) cookie() string {
	for _, c := range a.jar.Cookies(a.url) {
		if c.Name == a.name {
			return c.Value
		}
	}
	return ""
}

// sent returns the session cookie res set, or nil.
func (a *app) sent(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == a.name {
			return c
		}
	}
	return nil
}

// record returns the stored record of id, or nil when there is none.
func (a *app) record(t *testing.T, id string) map[string]json.RawMessage {
	t.Helper()
	b, _, err := a.store.Get(context.Background(), id)
	if errors.Is(err, session.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("store get: %v", err)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("record %s: %v", b, err)
	}
	return rec
}

func (a *app) noErrors(t *testing.T) {
	t.Helper()
	if errs := a.logs.errors(); len(errs) > 0 {
		t.Errorf("the manager logged errors: %q", errs)
	}
}

// count: 1, 2, 3 in one session, its cookie sent with the first answer.
func count(t *testing.T, a *app) {
	res := a.want(t, "GET", "/count", "1")
	if a.sent(res) == nil {
		t.Fatalf("the first response sent no %s cookie: the session was not committed before the headers (Set-Cookie: %q)", a.name, res.Header.Values("Set-Cookie"))
	}
	id := a.id(a.cookie())
	a.want(t, "GET", "/count", "2")
	a.want(t, "GET", "/count", "3")
	if got := a.id(a.cookie()); got != id {
		t.Errorf("session ID changed from %q to %q", id, got)
	}
	if a.store != nil {
		if rec := a.record(t, id); string(rec["visits"]) != "3" {
			t.Errorf("stored visits = %s, want 3", rec["visits"])
		}
	}
}

// signIn: a new cookie; server-side, a new ID and the old record gone.
func signIn(t *testing.T, a *app) {
	a.want(t, "GET", "/count", "1")
	a.want(t, "GET", "/user", "")
	before := a.cookie()
	oldID := a.id(before)
	res := a.want(t, "POST", "/signin", User)
	if c := a.sent(res); c == nil || c.Value == before {
		t.Fatalf("sign-in sent no new cookie: Set-Cookie %q", res.Header.Values("Set-Cookie"))
	}
	if a.cookie() == before {
		t.Fatal("the jar still holds the cookie from before the sign-in")
	}
	a.want(t, "GET", "/user", User)
	a.want(t, "GET", "/count", "1") // SignIn without KeepData empties the session
	if a.store == nil {
		return
	}
	newID := a.id(a.cookie())
	if newID == oldID {
		t.Fatalf("sign-in kept the session ID %q", oldID)
	}
	if rec := a.record(t, oldID); rec != nil {
		t.Errorf("the record of the ID before sign-in is still stored: %v", rec)
	}
	rec := a.record(t, newID)
	if u, ok := session.RecordUser(mustJSON(t, rec), session.DefaultUserKey); !ok || u != User {
		t.Errorf("stored user = %q, %v; want %q", u, ok, User)
	}
}

// destroy: an expiring cookie, the record gone, the next request new.
func destroy(t *testing.T, a *app) {
	a.want(t, "GET", "/count", "1")
	a.want(t, "GET", "/count", "2")
	oldID := a.id(a.cookie())
	res := a.want(t, "POST", "/destroy", "destroyed")
	c := a.sent(res)
	if c == nil || c.Expires.Year() != 1970 {
		t.Fatalf("destroy did not expire the cookie: Set-Cookie %q", res.Header.Values("Set-Cookie"))
	}
	if v := a.cookie(); v != "" {
		t.Fatalf("the jar kept the destroyed session's cookie %q", v)
	}
	if a.store != nil {
		if rec := a.record(t, oldID); rec != nil {
			t.Errorf("the destroyed session is still stored: %v", rec)
		}
	}
	a.want(t, "GET", "/count", "1")
	if a.store != nil {
		if id := a.id(a.cookie()); id == oldID {
			t.Errorf("the session after destroy reuses the ID %q", id)
		}
	}
}

// stream requests /stream on a new session and, while its handler waits
// after the flush, checks that the cookie came with the flushed headers
// and (server-side) that the record holds the change made before the
// flush; it then lets the handler go on and reads the body to its end.
func stream(t *testing.T, a *app) {
	t.Helper()
	release := a.rt.hold()
	defer release()
	res, err := a.client.Get(a.srv.URL + "/stream")
	if err != nil {
		t.Fatalf("GET /stream: %v", err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if res.StatusCode != http.StatusOK || line != "streamed\n" {
		t.Fatalf("GET /stream = %d %q (%v), want 200 %q", res.StatusCode, line, err, "streamed\n")
	}
	if len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
		t.Errorf("GET /stream was not streamed: Transfer-Encoding %q, Content-Length %d", res.TransferEncoding, res.ContentLength)
	}
	c := a.sent(res)
	if c == nil {
		t.Fatalf("the streamed response sent no %s cookie: the flush did not commit the session", a.name)
	}
	if a.store != nil {
		rec := a.record(t, a.id(c.Value))
		if string(rec["streamed"]) != "true" {
			t.Fatalf("after the flush, before the handler returned, the record is %v: the flush did not save the session", rec)
		}
	}
	release()
	if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
		t.Fatalf("GET /stream: after the first line %q, %v", rest, err)
	}
}

// lateWrite: a change after streaming is saved when the handler returns.
func lateWrite(t *testing.T, a *app) {
	stream(t, a)
	a.want(t, "GET", "/late", LateValue)
	id := a.id(a.cookie())
	if rec := a.record(t, id); string(rec["late"]) != strconv.Quote(LateValue) {
		t.Errorf("stored late = %s, want %q", rec["late"], LateValue)
	}
}

// lateWriteSealed: a sealed session's change after streaming cannot reach
// the cookie that already went: it is logged, when the handler returns.
func lateWriteSealed(t *testing.T, a *app) {
	stream(t, a)
	errs := a.logs.errors()
	if len(errs) != 1 || !strings.Contains(errs[0], session.ErrHeadersWritten.Error()) {
		t.Fatalf("logged %q, want one error with %q", errs, session.ErrHeadersWritten)
	}
	a.want(t, "GET", "/late", "")
}

// storeDown: a store that fails answers 503 through the manager's error
// handler, and the routes' handlers do not run.
func storeDown(t *testing.T, newServer func(Manager, *Routes) http.Handler) {
	// A real Redis client on a port nobody listens on: every call fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { client.Close() })
	logs := &logRecorder{}
	m, err := session.New(session.Options{
		Secrets: []string{Secret},
		Store:   redisstore.New(client, redisstore.Options{}),
		Logger:  slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, m, session.DefaultName, nil, logs, newServer)
	id, err := session.NewID()
	if err != nil {
		t.Fatal(err)
	}
	a.jar.SetCookies(a.url, []*http.Cookie{{Name: a.name, Value: url.QueryEscape("s:" + session.Sign(id, Secret))}})
	res, body := a.do(t, "GET", "/count")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /count with the store down = %d %q, want 503", res.StatusCode, body)
	}
	if n := a.rt.calls.Load(); n != 0 {
		t.Errorf("with the store down, the handlers ran %d times, want 0", n)
	}
	if errs := a.logs.errors(); len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), session.ErrStore.Error()) {
		t.Errorf("logged %q, want an error with %q", errs, session.ErrStore)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logRecorder is a slog.Handler that keeps the error records' text.
type logRecorder struct {
	mu   sync.Mutex
	errs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.errs = append(l.errs, b.String())
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}
