package session

import (
	"context"
)

// Save writes the session to the store now. The middleware saves modified
// sessions by itself when the response starts; call Save when a change
// must be stored at a given moment, for example before a redirect that
// another service serves, or after the response has started streaming.
// It returns an error wrapping ErrStore when the store fails. On a sealed
// session, whose cookie is the store, it does nothing before the response
// starts and returns ErrHeadersWritten after, when the change can no
// longer reach the cookie.
func (s *Session) Save(ctx context.Context) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	return s.kind().save(ctx)
}

// Regenerate gives the session a new ID, deletes the record under the old
// one and empties it, unless KeepData, which keeps the data and the
// cookie's lifetime. Call it when privileges change, at login above all,
// so an ID planted before login is worthless after it (session fixation;
// OWASP "Renew the Session ID After Any Privilege Level Change"); SignIn
// does it for you. It returns an error wrapping ErrStore when the old
// record cannot be deleted; the session keeps its old ID then. A sealed
// session has no ID to renew: it is emptied (unless KeepData) and sealed
// afresh. (Node: express-session's req.session.regenerate, which keeps
// nothing, and @fastify/secure-session's regenerate.)
func (s *Session) Regenerate(ctx context.Context, opts ...RegenerateOption) error {
	if s == nil {
		return ErrNoSession
	}
	cfg := regenerateOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	return s.regenerateKeeping(ctx, cfg.keep)
}

// clearLocked empties the data, remembering every key's value for the
// next save.
func (s *Session) clearLocked() {
	s.own()
	for _, k := range s.keys {
		s.remember(k, s.vals[k], true)
	}
	clear(s.vals)
	s.keys = s.keys[:0]
}

// Destroy deletes the session from the store and, when the response has
// not started, sends an expiring cookie so the browser forgets it.
// Afterwards Set and Save return ErrDestroyed. It returns an error wrapping
// ErrStore when the store fails; the session is unchanged then.
func (s *Session) Destroy(ctx context.Context) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return nil
	}
	if err := s.kind().destroy(ctx); err != nil {
		return err
	}
	s.destroyed = true
	s.own()
	clear(s.vals)
	s.prev = s.prev[:0]
	s.keys = s.keys[:0]
	return nil
}

// Reload replaces the session's data with what the store holds now,
// dropping this request's unsaved changes. It returns an error wrapping
// ErrNotFound when the record has gone, ErrStore when the store fails. A
// sealed session goes back to what the request's cookie held.
func (s *Session) Reload(ctx context.Context) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	return s.kind().reload(ctx)
}

// Increment adds delta to the integer under key (a missing key counts as
// 0), saves the session at once, and returns the new value. With a store
// that implements Patcher the addition is applied to the latest stored
// value, atomically: a hundred concurrent requests that each add 1 add
// 100. Other stores, and sealed sessions, add to this request's value, so
// concurrent requests may overwrite each other. When the stored record
// expired while the request ran, the session starts again under a new ID
// (its cookie is sent) holding only this request's changes: the count
// starts from delta, as it would have a moment later. It returns an error
// wrapping ErrNotInteger when the value is not an integer, ErrStore when
// the store fails, ErrDestroyed after Destroy.
func (s *Session) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	if s == nil {
		return 0, ErrNoSession
	}
	if err := checkKey(key); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return 0, ErrDestroyed
	}
	return s.kind().increment(ctx, key, delta)
}
