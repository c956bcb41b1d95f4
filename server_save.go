package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// isModified is express-session's isModified: a new ID, or data (or, here,
// the cookie lifetime) changed since the session was loaded or generated.
func (s *serverSession) isModified() bool {
	return s.id != s.originalID || s.sticky || s.cookieDirty || s.dataDirty()
}

// isSaved is express-session's isSaved: the store holds exactly this.
func (s *serverSession) isSaved() bool {
	return s.saved && s.savedID == s.id && !s.cookieDirty && !s.forceSave && !s.dataDirty()
}

// encode returns the session's record.
func (s *serverSession) encode() []byte {
	n := 96
	for _, v := range s.vals {
		n += len(v) + 8
	}
	return appendRecord(make([]byte, 0, n), &s.cookie, s.keys, s.vals, s.created)
}

// markSaved moves the baseline to the current state after a store write.
func (s *serverSession) markSaved() {
	s.sticky = s.sticky || s.cookieDirty || s.dataDirty()
	s.prev = s.prev[:0]
	s.cookieDirty, s.forceSave = false, false
	s.saved, s.savedID = true, s.id
	s.wrote = true
}

// saveLocked writes s to the store, with the increments in add. A loaded
// session goes through Patcher when the store has it, so that concurrent
// requests' changes to other keys survive; anything else is a whole Set.
// On error s is unchanged.
func (s *serverSession) saveLocked(ctx context.Context, add map[string]int64) error {
	m := s.m
	reqCtx := ctx
	ctx, cancel := m.storeCtx(ctx)
	defer cancel()
	// The record is stored with the cookie's expiry as of now, as the
	// cookie this response sends: a save during the handler (Increment,
	// Save) comes before commit's touch, and a record stored with the
	// expiry it was loaded with would expire under an active visitor.
	now := time.Now()
	s.touchLocked(now)
	exp := m.storeExpiry(s, now)
	if s.canPatch() {
		if s.expiredUnder(now) {
			return s.restartExpired(reqCtx, ctx, add, now)
		}
		pctx, end := observe(ctx, m.opts.Observer, OpPatch)
		merged, err := m.patcher.Patch(pctx, s.id, s.patchLocked(add), exp)
		end(err)
		if errors.Is(err, ErrNotFound) {
			// The record ended between the check above and the store's
			// write (the store saw it expired, or another request
			// destroyed it).
			return s.restartExpired(reqCtx, ctx, add, now)
		}
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
		s.decodedAfterPatch()
		event(reqCtx, m.opts.Observer, EventSaved, ReasonNone)
		return nil
	}
	created := s.cookieID != s.id && (!s.saved || s.savedID != s.id)
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
		if err := s.setRecord(ctx, rec, exp); err != nil {
			s.vals, s.keys = restore, keys
			return err
		}
		s.wroteRecord(reqCtx, rec, created)
		return nil
	}
	rec := s.encode()
	if err := s.setRecord(ctx, rec, exp); err != nil {
		return err
	}
	s.wroteRecord(reqCtx, rec, created)
	return nil
}

// expiredUnder reports whether the record s was loaded from has expired
// in the store during this request: its expiry, read at load, has passed,
// and this request has not written the record since (a write would have
// moved the expiry on).
func (s *serverSession) expiredUnder(now time.Time) bool {
	return s.cookieID == s.id && !s.wrote && !s.storedExp.IsZero() && !now.Before(s.storedExp)
}

// restartExpired saves s when the record it was loaded from expired during
// the request (expiredUnder), or a Patch found it gone. A patch would be
// applied to an empty record (the store has none) under an ID the store no
// longer knows, and the visitor would keep that ID. Instead the session
// starts again under a new ID, as a request a moment later would have,
// holding this request's changes applied to an empty record (what the
// store would have made of the patch), and the response sends the new ID's
// cookie. On error s is unchanged.
func (s *serverSession) restartExpired(reqCtx, ctx context.Context, add map[string]int64, now time.Time) error {
	m := s.m
	id, err := m.newID(s.req)
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	oldID, oldCookie, oldCreated := s.id, s.cookie, s.created
	s.id, s.cookie = id, m.newCookie(s.req, now)
	if m.opts.AbsoluteTimeout > 0 {
		s.created = now.UnixMilli()
	}
	rec, err := s.patchLocked(add).Apply(nil)
	if err == nil {
		err = s.setRecord(ctx, rec, m.storeExpiry(s, now))
	}
	if err == nil {
		err = s.adopt(rec)
	}
	if err != nil {
		s.id, s.cookie, s.created = oldID, oldCookie, oldCreated
		return err
	}
	event(reqCtx, m.opts.Observer, EventExpired, ReasonExpired)
	s.wroteRecord(reqCtx, rec, true)
	return nil
}

// setRecord writes rec whole under s's ID.
func (s *serverSession) setRecord(ctx context.Context, rec []byte, exp time.Time) error {
	m := s.m
	ctx, end := observe(ctx, m.opts.Observer, OpSet)
	err := m.opts.Store.Set(ctx, s.id, rec, exp)
	end(err)
	if err != nil {
		return m.storeErr("set", s.id, err)
	}
	return nil
}

// wroteRecord moves s's baseline to rec, just written whole, and reports
// the save (and the creation, for an ID never stored before).
func (s *serverSession) wroteRecord(ctx context.Context, rec []byte, created bool) {
	s.base, s.decoded = rec, nil
	s.markSaved()
	if created {
		event(ctx, s.m.opts.Observer, EventCreated, ReasonNone)
	}
	event(ctx, s.m.opts.Observer, EventSaved, ReasonNone)
}

// decodedAfterPatch notes, for the Manager's decoded-record cache, that
// s now holds exactly the record the store returned from Patch (s.base),
// when its cookie and creation time are still the ones decoded at load:
// the next request for it then need not decode it. A cookie that changed
// (an expiry that slides, SetMaxAge) would have to be decoded to be
// exact, and is not cached.
func (s *serverSession) decodedAfterPatch() {
	s.decoded = nil
	if s.cookie != s.loadedCookie || s.created != s.loadedCreated {
		return
	}
	s.decoded = &record{cookie: s.loadedCookie, created: s.loadedCreated, keys: s.keys, vals: s.vals}
}

// patchLocked builds the patch of s's changes since its last load or save,
// plus add.
func (s *serverSession) patchLocked(add map[string]int64) *Patch {
	p := &Patch{cookie: s.cookie, created: s.created, add: add, base: s.base}
	for _, pv := range s.prev {
		k := pv.key
		if v, ok := s.vals[k]; ok {
			if p.set == nil {
				p.set = make(map[string]json.RawMessage)
			}
			p.set[k] = v
		} else {
			p.del = append(p.del, k)
		}
	}
	return p
}

// canPatch reports whether the store holds the record s derives from, so
// that a patch of s's changes brings it up to date. A new or regenerated
// session is written whole.
func (s *serverSession) canPatch() bool {
	return s.m.patcher != nil &&
		(s.cookieID == s.id || (s.saved && s.savedID == s.id))
}

// adopt replaces s's data with a merged record the store returned.
func (s *serverSession) adopt(merged []byte) error {
	if s.adoptInPlace(merged) {
		s.base = merged
		return nil
	}
	rec, err := decodeRecordData(merged)
	if err != nil {
		return err
	}
	s.keys, s.vals, s.base, s.shared = rec.keys, rec.vals, merged, false
	return nil
}

// adoptInPlace points s.vals at merged's values without a new map, when
// merged holds exactly the keys s has (the usual case: the patch changed
// values, not the key set), each written without escapes. It reports
// false otherwise, having perhaps updated some values: the caller then
// replaces them all.
func (s *serverSession) adoptInPlace(merged []byte) bool {
	s.own()
	i := skipJSONSpace(merged, 0)
	if i >= len(merged) || merged[i] != '{' {
		return false
	}
	ms := memberScanner{b: merged, i: i, depth: 1}
	n := 0
	for k, v := range ms.members() {
		if rawKeyIs(k, "cookie") || rawKeyIs(k, createdKey) {
			continue
		}
		raw := k[1 : len(k)-1]
		if bytes.IndexByte(raw, '\\') >= 0 {
			return false
		}
		// The key string s already holds, found without allocating one.
		j := sort.Search(len(s.keys), func(j int) bool { return s.keys[j] >= string(raw) })
		if j == len(s.keys) || s.keys[j] != string(raw) {
			return false // a key s lacks
		}
		s.vals[s.keys[j]] = v
		n++
	}
	if ms.err != nil {
		return false
	}
	return skipJSONSpace(merged, ms.i) == len(merged) && n == len(s.vals)
}
