package session

import (
	"net/http"
	"time"

	"github.com/sessionkit/session/internal/cookie"
)

// commit runs once per request, before the response headers are written.
// It stores what must be stored first, so the client's next request reads
// it, then adds the Set-Cookie header when the cookie must be sent. An
// error (the store failed) means nothing was sent and the request must
// fail.
func (s *serverSession) commit(h http.Header) error {
	m := s.m

	if s.destroyed {
		if s.cookieID != "" {
			s.addCookie(h, true)
		}
		return nil
	}
	if m.opts.Unset == UnsetDestroy && len(s.vals) == 0 && (s.saved || s.cookieID == s.id) && s.dataDirty() {
		// The request emptied a stored session: unset = 'destroy'.
		if err := m.destroyID(s.req.Context(), s.id); err != nil {
			return err
		}
		s.destroyed = true
		s.addCookie(h, true)
		return nil
	}

	now := time.Now()
	s.touchLocked(now)
	save := s.shouldSave()
	// An unmodified loaded session's expiry is renewed (touched in the
	// store, and with Rolling re-sent in the cookie) only once
	// its renewal is due (Options.Renew). After a write in this
	// request, such as an Increment, the store's expiry is already
	// fresh: express-session would touch again, one round trip for
	// nothing.
	renew := save || s.wrote || s.renewDue(now)
	sendCookie := s.shouldSetCookie(renew)

	switch {
	case save:
		if err := s.saveLocked(s.req.Context(), nil); err != nil {
			return err
		}
	case m.toucher != nil && s.cookieID == s.id && !s.wrote && renew:
		ctx, cancel := m.storeCtx(s.req.Context())
		ctx, end := observe(ctx, m.opts.Observer, OpTouch)
		err := m.toucher.Touch(ctx, s.id, m.storeExpiry(s, now))
		end(err)
		cancel()
		if err != nil {
			// The data is intact; only its expiry did not slide.
			m.opts.Logger.Warn("session: touch", "err", m.storeErr("touch", s.id, err))
		} else {
			event(s.req.Context(), m.opts.Observer, EventTouched, ReasonNone)
		}
	}

	if sendCookie && (!s.cookie.secure || m.opts.isSecure(s.req)) {
		s.addCookie(h, false)
		s.deliveredID = s.id
	}
	if s.decoded != nil && s.id == s.originalID {
		// As loaded, or as just patched: the next request for this record
		// takes its decoded form from the cache.
		m.decoded.put(s.id, s.base, s.decoded)
		s.decoded, s.shared = nil, true
	}
	return nil
}

// shouldSetCookie is express-session's decision: a new ID gets its cookie
// when the session is saved (SaveUninitialized, or modified); a loaded one
// gets it again with Rolling when its expiry is renewed, or when modified
// and the cookie has an expiry to extend (a browser-session cookie is not
// re-sent).
func (s *serverSession) shouldSetCookie(renew bool) bool {
	if s.cookieID != s.id {
		return s.m.opts.SaveUninitialized || s.isModified()
	}
	return (s.m.opts.Rolling && renew) || (!s.cookie.expires.IsZero() && s.isModified())
}

// shouldSave is express-session's decision: an unsaved new session only
// when modified (unless SaveUninitialized); anything else whenever the
// store does not hold exactly this state (with Resave it never does).
func (s *serverSession) shouldSave() bool {
	if !s.m.opts.SaveUninitialized && !s.saved && s.cookieID != s.id {
		return s.isModified() || s.forceSave
	}
	return !s.isSaved()
}

// late saves changes made after commit, when next returns. It applies the
// same save decision as commit; a session whose cookie never reached the
// browser (new, or regenerated after the headers went out) cannot be
// saved usefully, and is logged as ErrHeadersWritten instead.
func (s *serverSession) late() {
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
// one that deletes it; with Options.Header, the token header instead.
func (s *serverSession) addCookie(h http.Header, expire bool) {
	m := s.m
	if m.opts.Header != "" {
		s.addHeader(h, expire)
		return
	}
	c := s.cookie.setCookie(m.opts.Name, "")
	if expire {
		c.expires = time.Unix(0, 0)
	} else {
		c.value = cookie.Encode(signedValue(m.signer, s.id))
	}
	addSetCookie(h, c.String())
}
