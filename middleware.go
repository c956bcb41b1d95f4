package session

import (
	"context"
	"net/http"
	"strings"
	"time"
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
		if s := From(r); s != nil && s.m == m {
			next.ServeHTTP(w, r) // already inside this manager's middleware
			return
		}
		s, err := m.load(r)
		if err != nil {
			m.opts.fail(w, r, "load session", err)
			return
		}
		sw := &responseWriter{ResponseWriter: w, s: s, r: r}
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
	if s.sm != nil {
		return s.commitSealed(h)
	}
	m := s.m

	if s.destroyed {
		if s.cookieID != "" {
			s.addCookie(h, true)
		}
		return nil
	}
	if m.opts.Unset == UnsetDestroy && len(s.vals) == 0 && (s.saved || s.cookieID == s.id) && s.dataDirty() {
		// The request emptied a stored session: unset = 'destroy'.
		ctx, cancel := m.storeCtx(s.req.Context())
		defer cancel()
		if err := m.opts.Store.Destroy(ctx, s.id); err != nil {
			return m.storeErr("destroy", s.id, err)
		}
		s.destroyed = true
		s.addCookie(h, true)
		return nil
	}

	now := time.Now()
	s.touchLocked(now)
	sendCookie := s.shouldSetCookie()

	switch {
	case s.shouldSave():
		if err := s.saveLocked(s.req.Context(), nil); err != nil {
			return err
		}
	case m.toucher != nil && s.cookieID == s.id && !s.wrote:
		// An unmodified loaded session: slide the server-side expiry.
		// (After a write in this request, such as an Increment, the
		// store's expiry is already fresh: express-session would touch
		// again, one store round trip for nothing.)
		ctx, cancel := m.storeCtx(s.req.Context())
		err := m.toucher.Touch(ctx, s.id, m.storeExpiry(s, now))
		cancel()
		if err != nil {
			// The data is intact; only its expiry did not slide.
			m.opts.Logger.Warn("session: touch", "err", m.storeErr("touch", s.id, err))
		}
	}

	if sendCookie && (!s.cookie.secure || m.opts.isSecure(s.req)) {
		s.addCookie(h, false)
		s.deliveredID = s.id
	}
	return nil
}

// shouldSetCookie is express-session's decision: a new ID gets its cookie
// when the session is saved (SaveUninitialized, or modified); a loaded one
// gets it again with Rolling, or when modified and the cookie has an
// expiry to extend (a browser-session cookie is not re-sent).
func (s *Session) shouldSetCookie() bool {
	if s.cookieID != s.id {
		return s.m.opts.SaveUninitialized || s.isModified()
	}
	return s.m.opts.Rolling || (!s.cookie.expires.IsZero() && s.isModified())
}

// shouldSave is express-session's decision: an unsaved new session only
// when modified (unless SaveUninitialized); anything else whenever the
// store does not hold exactly this state (with Resave it never does).
func (s *Session) shouldSave() bool {
	if !s.m.opts.SaveUninitialized && !s.saved && s.cookieID != s.id {
		return s.isModified() || s.forceSave
	}
	return !s.isSaved()
}

// late saves changes made after commit, when next returns. It applies the
// same save decision as commit; a session whose cookie never reached the
// browser (new, or regenerated after the headers went out) cannot be
// saved usefully, and is logged as ErrHeadersWritten instead.
func (s *Session) late() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sm != nil {
		if !s.destroyed && (s.changed || s.cookieDirty) {
			s.sm.opts.Logger.Error("session: sealed session changed after the response started", "err", ErrHeadersWritten)
		}
		return
	}
	if s.destroyed || !s.shouldSave() {
		return
	}
	m := s.m
	if s.deliveredID != s.id {
		m.opts.Logger.Error("session: change not saved", "id", redact(s.id), "err", ErrHeadersWritten)
		return
	}
	if err := s.saveLocked(s.req.Context(), nil); err != nil {
		m.opts.Logger.Error("session: save after response started", "err", err)
	}
}

// addCookie adds the Set-Cookie header for the session, or, with expire,
// one that deletes it.
func (s *Session) addCookie(h http.Header, expire bool) {
	m := s.m
	c := setCookie{
		name:        m.opts.Name,
		domain:      s.cookie.domain,
		path:        s.cookie.path,
		expires:     s.cookie.expires,
		httpOnly:    s.cookie.httpOnly,
		secure:      s.cookie.secure,
		partitioned: s.cookie.partitioned,
		priority:    s.cookie.priority,
		sameSite:    s.cookie.sameSite,
	}
	if expire {
		c.expires = time.Unix(0, 0)
	} else {
		c.value = encodeURIComponent(signedValue(s.id, m.opts.Secrets[0]))
	}
	addSetCookie(h, c.String())
}

// addSetCookie adds a Set-Cookie header and the headers that keep shared
// caches from storing it (OWASP "Web Content Caching").
func addSetCookie(h http.Header, line string) {
	h.Add("Set-Cookie", line)
	h.Add("Vary", "Cookie")
	h.Add("Cache-Control", `no-cache="Set-Cookie"`)
}
