package session

import (
	"context"
	"net/http"
	"strings"
)

// Handler returns middleware that gives every request under the cookie
// path a session, available to next through From. The per-request
// algorithm is express-session's, in this order:
//
//  1. Load: a valid signed cookie naming a stored session loads it; a
//     missing, forged or unknown one starts a new session with a fresh ID.
//     A store failure is answered by Options.ErrorHandler (503 by default).
//  2. Hand over: next runs with the session in its request context.
//  3. Commit, once, just before the response headers go out (or when next
//     returns without writing): save the session if it must be saved, or
//     touch it, then decide the cookie. See commit.
//  4. Late changes, made after the headers went out, are saved when next
//     returns; one that needed a new cookie is logged as ErrHeadersWritten.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, m.opts.Cookie.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if s := From(r); s != nil {
			if ss, ok := s.k.(*serverSession); ok && ss.m == m {
				next.ServeHTTP(w, r) // already inside this manager's middleware
				return
			}
		}
		ss, err := m.load(r)
		if err != nil {
			m.opts.fail(w, r, "load session", err)
			return
		}
		s := &ss.Session
		sw := &ss.rw // one allocation for the session and its writer
		*sw = responseWriter{ResponseWriter: w, s: s, r: r}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), contextKey{}, s)))
		sw.finish()
	})
}

// fail logs err once and lets the error handler answer.
func (o *Options) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	o.Logger.Error("session: "+op, "method", r.Method, "path", r.URL.Path, "err", err)
	o.ErrorHandler(w, r, err)
}

// commit runs once per request, before the response headers are written.
// It stores what must be stored first, so the client's next request reads
// it, then adds the Set-Cookie header when the cookie must be sent. An
// error (the store failed) means nothing was sent and the request must
// fail.
func (s *Session) commit(h http.Header) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committed = true
	return s.k.commit(h)
}

// late handles changes made after commit, when the handler returns.
func (s *Session) late() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.k.late()
}

// addSetCookie adds a Set-Cookie header and the headers that keep shared
// caches from storing it (OWASP "Web Content Caching").
func addSetCookie(h http.Header, line string) {
	h.Add("Set-Cookie", line)
	h.Add("Vary", "Cookie")
	h.Add("Cache-Control", `no-cache="Set-Cookie"`)
}
