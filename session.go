package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Session is one visitor's session during one request. Get one in a
// handler with From. It is safe for concurrent use, so goroutines a handler
// starts may use it, until the handler returns.
//
// Values are kept as JSON, the form they are stored in; Set encodes, Get
// decodes. A change is saved by the middleware when the response starts
// (before its headers go out, so the client's next request sees it), or
// at once by Save.
type Session struct {
	mu  sync.Mutex
	m   *Manager       // server-side sessions
	sm  *SealedManager // sealed-cookie sessions
	req *http.Request

	// Sealed sessions only.
	ts           int64  // "__ts": Unix seconds of the last write
	changed      bool   // seal and send the cookie
	raw          string // the request's cookie value, for Reload
	loadedSealed bool   // the request's cookie opened

	id          string // current ID
	originalID  string // ID at load or generation; differs after Regenerate
	cookieID    string // verified ID the request's cookie carried, "" if none
	deliveredID string // ID whose cookie the browser holds or was sent

	cookie  cookieData
	created int64    // Unix ms, with Options.AbsoluteTimeout
	keys    []string // sorted
	vals    map[string]json.RawMessage

	// prev holds, for each key changed since the last load or save, its
	// value then (nil: absent). Comparing it with vals tells whether the
	// data really changed: setting a key to its old value is no change.
	prev        []prevVal
	prevBuf     [2]prevVal // prev's first array: most requests change a key or two
	cookieDirty bool       // SetMaxAge since the last save
	sticky      bool       // changed since load or generation, even if saved since
	forceSave   bool       // the record needs a write (e.g. a creation time added)
	saved       bool       // the store holds this state (express's savedHash)
	savedID     string
	wrote       bool   // this request wrote the record (its expiry is fresh)
	base        []byte // the record as last read or written, a hint for Patch.Base
	destroyed   bool
	committed   bool // the middleware made its cookie decision
}

// From returns the session the middleware put in r's context, or nil when
// the middleware did not run for r (for example, a path outside the cookie
// path). It is the Go counterpart of Nest's @Session() and req.session.
func From(r *http.Request) *Session {
	return FromContext(r.Context())
}

// FromContext is From for a context; it returns nil when ctx holds no
// session.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(contextKey{}).(*Session)
	return s
}

type contextKey struct{}

// ID returns the session ID. It changes after Regenerate. A nil session
// has the ID "".
func (s *Session) ID() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// IsNew reports whether the session was created by this request rather
// than loaded from the store.
func (s *Session) IsNew() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sm != nil {
		return !s.loadedSealed
	}
	return s.cookieID == "" || s.cookieID != s.originalID
}

// Get returns the value stored under key decoded into a T, and whether it
// was present and decodable. A value Node stored as 1 decodes into int,
// float64 or any; into string it does not, and Get returns false.
func Get[T any](s *Session, key string) (T, bool) {
	var v T
	raw, ok := s.Raw(key)
	if !ok || json.Unmarshal(raw, &v) != nil {
		var zero T
		return zero, false
	}
	return v, true
}

// Raw returns the JSON encoding of the value under key, and whether it is
// present. The caller must not modify it.
func (s *Session) Raw(key string) (json.RawMessage, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vals[key]
	return v, ok
}

// Has reports whether key is present.
func (s *Session) Has(key string) bool {
	_, ok := s.Raw(key)
	return ok
}

// Set stores v, encoded as JSON, under key. It returns an error wrapping
// ErrEncode if v cannot be encoded, ErrReservedKey for "cookie" or a key
// starting with "__", ErrDestroyed after Destroy, ErrNoSession on a nil
// session, and, on a sealed session, ErrCookieTooLarge when the data would
// no longer fit in a cookie; the session is unchanged then.
func (s *Session) Set(key string, v any) error {
	if s == nil {
		return ErrNoSession
	}
	if err := checkKey(key); err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: key %q: %v", ErrEncode, key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	if s.sm != nil {
		n := s.payloadLen() + len(key) + len(raw) + 4
		if old, ok := s.vals[key]; ok {
			n -= len(key) + len(old) + 4
		}
		if n > s.sm.maxPayload {
			return fmt.Errorf("%w: %d bytes of data, at most %d fit", ErrCookieTooLarge, n, s.sm.maxPayload)
		}
		s.sealedWrite()
	}
	s.setLocked(key, raw)
	return nil
}

// sealedWrite marks a sealed session for re-sealing with a fresh "__ts",
// as @fastify/secure-session's set and touch do.
func (s *Session) sealedWrite() {
	s.changed = true
	s.ts = jsSeconds(time.Now())
}

// checkKey rejects the keys a record uses for itself.
func checkKey(key string) error {
	if key == "cookie" || strings.HasPrefix(key, "__") {
		return fmt.Errorf("%w: %q", ErrReservedKey, key)
	}
	return nil
}

func (s *Session) setLocked(key string, raw json.RawMessage) {
	old, had := s.vals[key]
	s.remember(key, old, had)
	if !had {
		i, _ := slices.BinarySearch(s.keys, key)
		s.keys = slices.Insert(s.keys, i, key)
	}
	s.vals[key] = raw
}

// remember records a key's value before its first change since the last
// load or save.
func (s *Session) remember(key string, old json.RawMessage, had bool) {
	for _, pv := range s.prev {
		if pv.key == key {
			return
		}
	}
	if !had {
		old = nil
	}
	if s.prev == nil {
		s.prev = s.prevBuf[:0]
	}
	s.prev = append(s.prev, prevVal{key, old})
}

// prevVal is a changed key's value at the last load or save (nil: absent).
type prevVal struct {
	key string
	old json.RawMessage
}

// Delete removes key. Deleting a missing key does nothing.
func (s *Session) Delete(key string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteLocked(key)
}

func (s *Session) deleteLocked(key string) {
	old, had := s.vals[key]
	if !had {
		return
	}
	if s.sm != nil {
		s.sealedWrite()
	}
	s.remember(key, old, true)
	delete(s.vals, key)
	if i, ok := slices.BinarySearch(s.keys, key); ok {
		s.keys = slices.Delete(s.keys, i, i+1)
	}
}

// Clear removes every key. With Options.Unset = UnsetDestroy a loaded
// session emptied this way is destroyed when the response starts.
func (s *Session) Clear() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range slices.Clone(s.keys) {
		s.deleteLocked(k)
	}
}

// Keys returns the keys in sorted order.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys)
}

// Touch resets the cookie's expiry to now plus its max age, as
// express-session's touch. It makes no store call; the middleware touches
// every session once per response anyway. On a sealed session it extends
// the data's expiry and re-sends the cookie, as @fastify/secure-session's
// touch.
func (s *Session) Touch() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sm != nil {
		s.sealedWrite()
		return
	}
	s.touchLocked(time.Now())
}

func (s *Session) touchLocked(now time.Time) {
	if s.cookie.hasMaxAge {
		s.cookie.expires = now.Add(s.cookie.maxAge)
	}
}

// SetMaxAge sets this session's cookie lifetime ("remember me"): the
// cookie is re-sent with Expires=now+d and the record saved with it. Zero
// makes it a browser-session cookie. Unlike express-session, where a cookie
// change alone is not saved (expressjs/session#452), this counts as a
// modification.
func (s *Session) SetMaxAge(d time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		s.cookie.hasMaxAge, s.cookie.maxAge, s.cookie.expires = false, 0, time.Time{}
	} else {
		s.cookie.hasMaxAge, s.cookie.maxAge = true, d
		s.touchLocked(time.Now())
	}
	s.cookieDirty = true
}

// Expires returns when the session's cookie expires, the zero time for a
// browser-session cookie; for a sealed session, when its sealed data
// expires ("__ts" plus the expiry).
func (s *Session) Expires() time.Time {
	if s == nil {
		return time.Time{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sm != nil {
		return time.Unix(s.ts, 0).Add(s.sm.expiry)
	}
	return s.cookie.expires
}

// options returns the options of the session's manager.
func (s *Session) options() *Options {
	if s.sm != nil {
		return &s.sm.opts
	}
	return &s.m.opts
}

// dataDirty reports whether the data differs from the last load or save.
func (s *Session) dataDirty() bool {
	for _, pv := range s.prev {
		cur, ok := s.vals[pv.key]
		old := pv.old
		if ok != (old != nil) || !bytes.Equal(cur, old) {
			return true
		}
	}
	return false
}

// isModified is express-session's isModified: a new ID, or data (or, here,
// the cookie lifetime) changed since the session was loaded or generated.
func (s *Session) isModified() bool {
	return s.id != s.originalID || s.sticky || s.cookieDirty || s.dataDirty()
}

// isSaved is express-session's isSaved: the store holds exactly this.
func (s *Session) isSaved() bool {
	return s.saved && s.savedID == s.id && !s.cookieDirty && !s.forceSave && !s.dataDirty()
}

// encode returns the session's record.
func (s *Session) encode() []byte {
	n := 96
	for _, v := range s.vals {
		n += len(v) + 8
	}
	return appendRecord(make([]byte, 0, n), &s.cookie, s.keys, s.vals, s.created)
}

// markSaved moves the baseline to the current state after a store write.
func (s *Session) markSaved() {
	s.sticky = s.sticky || s.cookieDirty || s.dataDirty()
	s.prev = s.prev[:0]
	s.cookieDirty, s.forceSave = false, false
	s.saved, s.savedID = true, s.id
	s.wrote = true
}
