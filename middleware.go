package session

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Handler returns middleware that gives every request under the cookie
// path a session, available to next through m.From (and From, for the
// innermost session). The per-request algorithm is express-session's, in
// this order:
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
//
// The cookie path is matched against the path the client sent
// (Request.RequestURI), so under http.StripPrefix the middleware sees the
// path before the prefix was stripped, as express-session matches
// originalUrl under a mount. A request already inside this manager's
// middleware is passed through as it is.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return handle(&m.opts, m, next, func(r *http.Request) (*Session, error) {
		ss, err := m.load(r)
		if err != nil {
			return nil, err
		}
		return &ss.Session, nil
	})
}

// handle is the middleware both managers share: the cookie-path gate,
// the load, the hand-over with the session in the request context under
// owner's key, and the commit. load returns the request's session or an
// error for the error handler.
func handle(o *Options, owner any, next http.Handler, load func(*http.Request) (*Session, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(requestPath(r), o.Cookie.Path) || r.Context().Value(owner) != nil {
			next.ServeHTTP(w, r)
			return
		}
		s, err := load(r)
		if err != nil {
			o.fail(w, r, "load session", err)
			return
		}
		// The writer and the context live in the session: one allocation.
		s.rw = responseWriter{ResponseWriter: w, s: s, r: r}
		s.ctx = sessionContext{Context: r.Context(), s: s, owner: owner}
		next.ServeHTTP(&s.rw, r.WithContext(&s.ctx))
		s.rw.finish()
	})
}

// requestPath returns the path of the request as the client sent it, before
// any http.StripPrefix, still percent-encoded (as a browser matches a
// cookie's Path): express-session's parseurl.original(req).pathname. A
// request built without RequestURI (a client-side request handed to a
// handler directly) gives its URL's path.
func requestPath(r *http.Request) string {
	u := r.RequestURI
	if u == "" || u[0] != '/' {
		if u != "" && u != "*" {
			if p, err := url.ParseRequestURI(u); err == nil {
				return p.EscapedPath()
			}
		}
		return r.URL.EscapedPath()
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u
}

// sessionContext is the request context the middleware hands to next: its
// parent's values, and the session, under the key of the manager that owns
// it and under innermostKey (From).
type sessionContext struct {
	context.Context
	s     *Session
	owner any // the *Manager or *SealedManager
}

// innermostKey is the context key of the session From returns.
type innermostKey struct{}

func (c *sessionContext) Value(key any) any {
	if key == c.owner || key == (innermostKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// From returns the session of the innermost session middleware r passed
// through, or nil when none ran for r (for example, a path outside the
// cookie path). With one manager it is that manager's session; with two
// (a Manager's Handler around a SealedManager's), use each manager's From.
// (Node: req.session; Nest's @Session().)
func From(r *http.Request) *Session {
	return FromContext(r.Context())
}

// FromContext is From for a context; it returns nil when ctx holds no
// session.
func FromContext(ctx context.Context) *Session {
	return sessionIn(ctx, innermostKey{})
}

// sessionIn returns the session ctx holds under key, or nil.
func sessionIn(ctx context.Context, key any) *Session {
	s, _ := ctx.Value(key).(*Session)
	return s
}

// NewContext returns a copy of ctx carrying s as the innermost session,
// the one From and FromContext return. It is for a handler's unit test,
// with a Session built as a zero value: the middleware puts its sessions
// in the request context itself.
func NewContext(ctx context.Context, s *Session) context.Context {
	return &sessionContext{Context: ctx, s: s, owner: innermostKey{}}
}

// From returns the session m's middleware gave r, or nil when it did not
// run for r.
func (m *Manager) From(r *http.Request) *Session { return sessionIn(r.Context(), m) }

// FromContext is m.From for a context.
func (m *Manager) FromContext(ctx context.Context) *Session { return sessionIn(ctx, m) }

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
	return s.kind().commit(h)
}

// late handles changes made after commit, when the handler returns.
func (s *Session) late() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind().late()
}

// addSetCookie adds a Set-Cookie header and the headers that keep shared
// caches from storing it (OWASP "Web Content Caching").
func addSetCookie(h http.Header, line string) {
	h.Add("Set-Cookie", line)
	h.Add("Vary", "Cookie")
	h.Add("Cache-Control", `no-cache="Set-Cookie"`)
}
