package session

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// UserIndex is a Store that finds the sessions a user is signed in to
// without scanning every session: by a map, an index on the stored user,
// or a set per user. Every store of this module implements it. The
// conformance suite (package storetest) checks an implementation.
type UserIndex interface {
	// UserSessions returns the live records whose signed-in user (see
	// RecordUser, with the store's user key, "passport" by default) is
	// user, in no particular order. An index that has fallen behind the
	// records is the store's to reconcile: it returns no record of
	// another user and no expired one, and misses none it was told of.
	UserSessions(ctx context.Context, user string) ([]StoredSession, error)
	// UserKey returns the session key the index reads a sign-in from
	// (RecordUser's key). New returns an error wrapping ErrInvalidOption
	// when it is not the Manager's Options.UserKey: the index would find
	// no user's sessions.
	UserKey() string
}

// StoredSession is one record a UserIndex found.
type StoredSession struct {
	ID      string
	Record  []byte
	Expires time.Time // when the store forgets it, as last set or touched
}

// UserSession describes one of a user's sessions, for a "your devices"
// page. It never carries the session ID: Handle names it instead.
type UserSession struct {
	// Handle names the session for EndUserSession: a keyed hash of its ID,
	// stable while the first secret is, useless as a cookie.
	Handle string
	// SignedIn is when the user signed in to it, zero when unknown (a
	// session a Node app signed in).
	SignedIn time.Time
	// LastSeen is when it was last saved or touched: its store expiry less
	// its lifetime (the cookie's max age, or DefaultStoreTTL, capped by
	// Options.IdleTimeout). It is as fine as the store's expiry.
	LastSeen time.Time
	// Expires is when the store forgets it unless it is used again.
	Expires time.Time
	// UserAgent is the User-Agent of the sign-in, "" when unknown.
	UserAgent string
	// Current marks the session of the request that asked.
	Current bool
}

// index returns m's store as a UserIndex, or ErrNoIndex.
func (m *Manager) index() (UserIndex, error) {
	if ix, ok := m.opts.Store.(UserIndex); ok {
		return ix, nil
	}
	return nil, ErrNoIndex
}

// handle returns the Handle of the session id.
func (m *Manager) handle(id string) string {
	h := hmac.New(sha256.New, []byte(m.opts.Secrets[0]))
	h.Write([]byte("sessionkit user-session handle\x00"))
	h.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// userSession is a live session of a user, with its ID.
type userSession struct {
	id string
	UserSession
}

// sessionsOf returns the live sessions user is signed in to. Records the
// index returned that name another user are left out.
func (m *Manager) sessionsOf(ctx context.Context, user string) ([]userSession, error) {
	ix, err := m.index()
	if err != nil {
		return nil, err
	}
	sctx, cancel := m.storeCtx(ctx)
	defer cancel()
	sctx, end := observe(sctx, m.opts.Observer, OpUserSessions)
	found, err := ix.UserSessions(sctx, user)
	end(err)
	if err != nil {
		return nil, m.storeErr("user sessions", "", err)
	}
	now := time.Now()
	out := make([]userSession, 0, len(found))
	for _, f := range found {
		if u, ok := RecordUser(f.Record, m.opts.UserKey); !ok || u != user || !f.Expires.After(now) {
			continue
		}
		us := userSession{id: f.ID, UserSession: UserSession{Handle: m.handle(f.ID), Expires: f.Expires}}
		if rec, err := decodeRecord(f.Record); err == nil {
			ttl := DefaultStoreTTL
			if rec.cookie.hasMaxAge && rec.cookie.maxAge > 0 {
				ttl = rec.cookie.maxAge
			}
			if idle := m.opts.IdleTimeout; idle > 0 && idle < ttl {
				ttl = idle
			}
			us.LastSeen = f.Expires.Add(-ttl)
			if us.LastSeen.After(now) {
				us.LastSeen = now
			}
			var meta signInMeta
			if json.Unmarshal(rec.vals[signInKey], &meta) == nil && meta.User == user {
				us.UserAgent = meta.UA
				if meta.At > 0 {
					us.SignedIn = time.UnixMicro(int64(meta.At * 1000))
				}
			}
		}
		out = append(out, us)
	}
	slices.SortFunc(out, func(a, b userSession) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Handle, b.Handle))
	})
	return out, nil
}

// UserSessions returns the live sessions user is signed in to, the most
// recently seen first: for an administrator. A handler lists the signed-in
// user's own with Session.UserSessions. It returns an error wrapping
// ErrNoIndex when the store cannot find sessions by user, ErrStore when it
// fails.
func (m *Manager) UserSessions(ctx context.Context, user string) ([]UserSession, error) {
	all, err := m.sessionsOf(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]UserSession, len(all))
	for i, us := range all {
		out[i] = us.UserSession
	}
	return out, nil
}

// EndUserSession ends the session of user named by handle (deletes its
// record: its next request is signed out, with a new empty session). It
// returns an error wrapping ErrNotFound when user has no such session,
// ErrNoIndex or ErrStore as UserSessions.
func (m *Manager) EndUserSession(ctx context.Context, user, handle string) error {
	_, err := m.endWhere(ctx, user, func(us userSession) bool {
		return hmac.Equal([]byte(us.Handle), []byte(handle))
	}, true)
	return err
}

// EndUserSessions ends every session of user, for an administrator or
// after a password change, and returns how many it ended. A handler ends
// the others of its own user with Session.EndOtherSessions. Errors are as
// UserSessions'.
func (m *Manager) EndUserSessions(ctx context.Context, user string) (int, error) {
	return m.endWhere(ctx, user, func(userSession) bool { return true }, false)
}

// endWhere destroys the sessions of user that end selects; with one, it
// returns ErrNotFound when none was selected.
func (m *Manager) endWhere(ctx context.Context, user string, end func(userSession) bool, one bool) (int, error) {
	all, err := m.sessionsOf(ctx, user)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, us := range all {
		if !end(us) {
			continue
		}
		if err := m.destroyID(ctx, us.id); err != nil {
			return n, err
		}
		n++
	}
	if one && n == 0 {
		return 0, fmt.Errorf("end user session: %w", ErrNotFound)
	}
	return n, nil
}

// destroyID deletes the record id.
func (m *Manager) destroyID(ctx context.Context, id string) error {
	sctx, cancel := m.storeCtx(ctx)
	defer cancel()
	sctx, end := observe(sctx, m.opts.Observer, OpDestroy)
	err := m.opts.Store.Destroy(sctx, id)
	end(err)
	if err != nil {
		return m.storeErr("destroy", id, err)
	}
	event(ctx, m.opts.Observer, EventDestroyed, ReasonNone)
	return nil
}

// enforceCap ends user's sessions beyond Options.MaxSessionsPerUser,
// those signed in longest ago first, never current. A failure is logged:
// the sign-in itself has succeeded.
func (m *Manager) enforceCap(ctx context.Context, user, current string) {
	all, err := m.sessionsOf(ctx, user)
	if err != nil {
		m.opts.Logger.Warn("session: listing sessions for MaxSessionsPerUser", "err", err)
		return
	}
	extra := len(all) - m.opts.MaxSessionsPerUser
	if extra <= 0 {
		return
	}
	slices.SortFunc(all, func(a, b userSession) int { return a.SignedIn.Compare(b.SignedIn) })
	for _, us := range all {
		if extra == 0 {
			break
		}
		if us.id == current {
			continue
		}
		if err := m.destroyID(ctx, us.id); err != nil {
			m.opts.Logger.Warn("session: ending a session beyond MaxSessionsPerUser", "err", err)
			return
		}
		extra--
	}
}

// ownUser returns the manager and the signed-in user of s, whose lock is
// held.
func (s *Session) ownUser() (*serverSession, string, error) {
	ss, ok := s.kind().(*serverSession)
	if !ok {
		return nil, "", ErrNoIndex // a sealed session has no server-side record
	}
	user, ok := userOf(s.vals[ss.m.opts.UserKey])
	if !ok {
		return nil, "", ErrNotSignedIn
	}
	return ss, user, nil
}

// UserSessions returns the live sessions of the user signed in to s, the
// most recently seen first, with s's own marked Current. It returns an
// error wrapping ErrNotSignedIn when nobody is signed in, ErrNoIndex when
// the store cannot find sessions by user or s is a sealed session (it has
// no server-side record to list), ErrStore when the store fails.
func (s *Session) UserSessions(ctx context.Context) ([]UserSession, error) {
	if s == nil {
		return nil, ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, user, err := s.ownUser()
	if err != nil {
		return nil, err
	}
	all, err := ss.m.sessionsOf(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]UserSession, len(all))
	for i, us := range all {
		us.Current = us.id == ss.id
		out[i] = us.UserSession
	}
	return out, nil
}

// EndUserSession ends one of the sessions of the user signed in to s,
// named by its Handle ("sign out that device"). Ending s's own destroys
// s. It returns an error wrapping ErrNotFound when the user has no such
// session; otherwise errors are as UserSessions'.
func (s *Session) EndUserSession(ctx context.Context, handle string) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, user, err := s.ownUser()
	if err != nil {
		return err
	}
	if hmac.Equal([]byte(handle), []byte(ss.m.handle(ss.id))) {
		if err := ss.destroy(ctx); err != nil {
			return err
		}
		s.destroyed = true
		s.own()
		clear(s.vals)
		s.prev, s.keys = s.prev[:0], s.keys[:0]
		return nil
	}
	return ss.m.EndUserSession(ctx, user, handle)
}

// EndOtherSessions ends every session of the user signed in to s but s
// ("sign out everywhere else") and returns how many it ended. Errors are
// as UserSessions'.
func (s *Session) EndOtherSessions(ctx context.Context) (int, error) {
	if s == nil {
		return 0, ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, user, err := s.ownUser()
	if err != nil {
		return 0, err
	}
	return ss.m.endWhere(ctx, user, func(us userSession) bool { return us.id != ss.id }, false)
}
