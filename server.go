package session

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// serverSession is the server-side half of a Session, run by a Manager:
// the signed ID in the cookie, the data in the Manager's Store, and
// express-session's decisions of when to save, touch and send the cookie.
// The Session it embeds is the one handlers see.
type serverSession struct {
	Session
	m *Manager

	id          string // current ID
	originalID  string // ID at load or generation; differs after Regenerate
	cookieID    string // verified ID the request's cookie carried, "" if none
	deliveredID string // ID whose cookie the browser holds or was sent

	created   int64 // Unix ms, with Options.AbsoluteTimeout
	sticky    bool  // changed since load or generation, even if saved since
	forceSave bool  // the record needs a write (e.g. a creation time added)
	saved     bool  // the store holds this state (express's savedHash)
	savedID   string
	wrote     bool      // this request wrote the record (its expiry is fresh)
	renew     bool      // Touch was called: renew the expiry whatever Renew says
	storedExp time.Time // the loaded record's expiry in the store; zero if unknown

	// The cookie and creation time as loaded, to tell whether a record
	// this request patched can go to the decoded-record cache as it is.
	loadedCookie  cookieData
	loadedCreated int64
	base          []byte // the record as last read or written, a hint for Patch.Base
}

// newServerSession returns a server-side session of m for r.
func newServerSession(m *Manager, r *http.Request) *serverSession {
	ss := &serverSession{m: m}
	ss.req = r
	ss.k = ss
	return ss
}

func (s *serverSession) sessionID() string { return s.id }

func (s *serverSession) isNew() bool { return s.cookieID == "" || s.cookieID != s.originalID }

func (s *serverSession) options() *Options { return &s.m.opts }

func (s *serverSession) checkSet(string, json.RawMessage) error { return nil }

func (s *serverSession) dataChanged() {}

func (s *serverSession) touch(now time.Time) {
	s.touchLocked(now)
	s.renew = true
}

// renewDue reports whether an unmodified loaded session's expiry is due
// for renewal at now (Options.Renew).
func (s *serverSession) renewDue(now time.Time) bool {
	m := s.m
	return s.renew || m.opts.Renew.due(s.storedExp, m.storeExpiry(s, now), m.lifetime(s))
}

func (s *serverSession) expires() time.Time { return s.cookie.expires }

func (s *serverSession) increment(ctx context.Context, key string, delta int64) (int64, error) {
	if err := s.saveLocked(ctx, map[string]int64{key: delta}); err != nil {
		return 0, err
	}
	n, _ := intValue(s.vals[key])
	return n, nil
}

func (s *serverSession) save(ctx context.Context) error { return s.saveLocked(ctx, nil) }

func (s *serverSession) regenerate(ctx context.Context, keepData bool) error {
	m := s.m
	id, err := m.opts.GenerateID(s.req)
	if err != nil {
		return fmt.Errorf("regenerate: %w", err)
	}
	if err := m.destroyID(ctx, s.id); err != nil {
		return fmt.Errorf("regenerate: %w", err)
	}
	now := time.Now()
	s.id = id
	s.cookie = m.newCookie(s.req, now)
	s.saved = false
	if m.opts.AbsoluteTimeout > 0 {
		s.created = now.UnixMilli()
	}
	return nil
}

func (s *serverSession) destroy(ctx context.Context) error {
	if err := s.m.destroyID(ctx, s.id); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return nil
}

func (s *serverSession) reload(ctx context.Context) error {
	m := s.m
	sctx, cancel := m.storeCtx(ctx)
	defer cancel()
	b, stored, err := m.get(sctx, s.id)
	if err != nil {
		return fmt.Errorf("reload: %w", m.storeErr("get", s.id, err))
	}
	rec, shared, err := m.decodeRecord(s.id, b)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	s.cookie, s.keys, s.vals, s.base, s.shared = rec.cookie, rec.keys, rec.vals, b, shared
	s.decoded = nil
	s.storedExp = stored
	if rec.created > 0 {
		s.created = rec.created
	}
	s.prev = s.prev[:0]
	s.cookieDirty = false
	s.saved, s.savedID = true, s.id
	return nil
}
