package session

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Save writes the session to the store now. The middleware saves modified
// sessions by itself when the response starts; call Save when a change
// must be stored at a given moment, for example before a redirect that
// another service serves, or after the response has started streaming.
// It returns an error wrapping ErrStore when the store fails.
func (s *Session) Save(ctx context.Context) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	if s.sm != nil {
		// The cookie is the store: it is sealed when the headers go out.
		if s.committed && (s.changed || s.cookieDirty) {
			return ErrHeadersWritten
		}
		return nil
	}
	return s.saveLocked(ctx, nil)
}

// saveLocked writes s to the store, with the increments in add. A loaded
// session goes through Patcher when the store has it, so that concurrent
// requests' changes to other keys survive; anything else is a whole Set.
// On error s is unchanged.
func (s *Session) saveLocked(ctx context.Context, add map[string]int64) error {
	m := s.m
	ctx, cancel := m.storeCtx(ctx)
	defer cancel()
	exp := m.storeExpiry(s, time.Now())
	if s.canPatch() {
		merged, err := m.patcher.Patch(ctx, s.id, s.patchLocked(add), exp)
		if err != nil {
			return m.storeErr("patch", s.id, err)
		}
		for k := range add {
			s.remember(k, s.vals[k], s.vals[k] != nil)
		}
		if err := s.adopt(merged); err != nil {
			return err
		}
		s.markSaved()
		return nil
	}
	if len(add) > 0 {
		for k := range add {
			s.remember(k, s.vals[k], s.vals[k] != nil)
		}
		restore := maps.Clone(s.vals)
		keys := slices.Clone(s.keys)
		for k, d := range add {
			if _, err := s.addLocally(k, d); err != nil {
				s.vals, s.keys = restore, keys
				return err
			}
		}
		rec := s.encode()
		if err := m.opts.Store.Set(ctx, s.id, rec, exp); err != nil {
			s.vals, s.keys = restore, keys
			return m.storeErr("set", s.id, err)
		}
		s.base = rec
		s.markSaved()
		return nil
	}
	rec := s.encode()
	if err := m.opts.Store.Set(ctx, s.id, rec, exp); err != nil {
		return m.storeErr("set", s.id, err)
	}
	s.base = rec
	s.markSaved()
	return nil
}

// Regenerate gives the session a new ID, deletes the record under the old
// one, and, unless keepData, empties it. Call it when privileges change,
// at login above all, so an ID planted before login is worthless after it
// (session fixation; OWASP "Renew the Session ID After Any Privilege
// Level Change"). The cookie attributes are reset from the options. It
// returns an error wrapping ErrStore when the old record cannot be deleted;
// the session keeps its old ID then.
func (s *Session) Regenerate(ctx context.Context, keepData bool) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	if s.sm != nil {
		// No ID to renew: @fastify/secure-session's regenerate empties
		// the data and seals it afresh.
		if !keepData {
			for _, k := range s.keys {
				s.remember(k, s.vals[k], true)
			}
			clear(s.vals)
			s.keys = s.keys[:0]
		}
		s.sealedWrite()
		return nil
	}
	m := s.m
	id, err := m.opts.GenerateID(s.req)
	if err != nil {
		return fmt.Errorf("regenerate: %w", err)
	}
	sctx, cancel := m.storeCtx(ctx)
	defer cancel()
	if err := m.opts.Store.Destroy(sctx, s.id); err != nil {
		return fmt.Errorf("regenerate: %w", m.storeErr("destroy", s.id, err))
	}
	now := time.Now()
	s.id = id
	s.cookie = m.newCookie(s.req, now)
	s.saved = false
	if m.opts.AbsoluteTimeout > 0 {
		s.created = now.UnixMilli()
	}
	if !keepData {
		for _, k := range s.keys {
			s.remember(k, s.vals[k], true)
		}
		clear(s.vals)
		s.keys = s.keys[:0]
	}
	return nil
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
	if s.m != nil {
		m := s.m
		sctx, cancel := m.storeCtx(ctx)
		defer cancel()
		if err := m.opts.Store.Destroy(sctx, s.id); err != nil {
			return fmt.Errorf("destroy: %w", m.storeErr("destroy", s.id, err))
		}
	}
	s.destroyed = true
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
	if s.sm != nil {
		s.vals, s.keys, s.changed, s.loadedSealed = map[string]json.RawMessage{}, nil, false, false
		s.prev = s.prev[:0]
		if s.raw != "" {
			_ = s.unseal(s.raw, time.Now()) // it opened at load; an error leaves it empty
		}
		return nil
	}
	m := s.m
	sctx, cancel := m.storeCtx(ctx)
	defer cancel()
	b, err := m.opts.Store.Get(sctx, s.id)
	if err != nil {
		return fmt.Errorf("reload: %w", m.storeErr("get", s.id, err))
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	s.cookie, s.keys, s.vals, s.base = rec.cookie, rec.keys, rec.vals, b
	if rec.created > 0 {
		s.created = rec.created
	}
	s.prev = s.prev[:0]
	s.cookieDirty = false
	s.saved, s.savedID = true, s.id
	return nil
}
