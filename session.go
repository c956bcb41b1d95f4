package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
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
//
// A nil *Session, what From returns where no middleware ran, is an empty
// session that cannot change: methods that read return the zero value
// (ID "", IsNew false, Get false), methods that return an error return
// ErrNoSession, and the others (Delete, Clear, Touch, SetMaxAge) do
// nothing.
//
// A zero Session, new(Session), is a working session outside any
// middleware, for a handler's unit test: put it in the request with
// NewContext, run the handler, then read what it set. Its data lives in
// the Session only (Save stores nothing, Increment adds to its own value);
// it has no ID and is new; the operations on a user's sessions return
// ErrNoIndex.
type Session struct {
	mu  sync.Mutex
	k   kind // the server-side or sealed half: *serverSession or *sealedSession
	req *http.Request

	cookie cookieData
	keys   []string // sorted
	vals   map[string]json.RawMessage
	shared bool // keys and vals are shared with other sessions: own before a change
	// decoded is the record keys and vals were decoded from, while they
	// are unchanged; nil otherwise.
	decoded *record

	// prev holds, for each key changed since the last load or save, its
	// value then (nil: absent). Comparing it with vals tells whether the
	// data really changed: setting a key to its old value is no change.
	prev        []prevVal
	prevBuf     [2]prevVal // prev's first array: most requests change a key or two
	cookieDirty bool       // SetMaxAge since the last save
	destroyed   bool
	committed   bool // the middleware made its cookie decision

	// The middleware's writer and request context for this request, kept
	// here so that one allocation holds them and the session.
	rw  responseWriter
	ctx sessionContext
}

// ID returns the session ID. It changes after Regenerate. A nil session
// has the ID "".
func (s *Session) ID() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kind().sessionID()
}

// IsNew reports whether the session was created by this request rather
// than loaded from the store (or its cookie). A nil session is not new.
func (s *Session) IsNew() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kind().isNew()
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
	if err := s.kind().checkSet(key, raw); err != nil {
		return err
	}
	s.kind().dataChanged()
	s.setLocked(key, raw)
	return nil
}

// checkKey rejects the keys a record uses for itself.
func checkKey(key string) error {
	if key == "cookie" || strings.HasPrefix(key, "__") {
		return fmt.Errorf("%w: %q", ErrReservedKey, key)
	}
	return nil
}

// own gives s its own copy of keys and vals when they are shared (a
// record decoded once for many requests), before they change.
func (s *Session) own() {
	if s.shared {
		s.keys, s.vals, s.shared = slices.Clone(s.keys), maps.Clone(s.vals), false
	}
	if s.vals == nil { // shared and empty, or a zero Session
		s.vals = make(map[string]json.RawMessage)
	}
	s.decoded = nil
}

func (s *Session) setLocked(key string, raw json.RawMessage) {
	s.own()
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
	s.own()
	s.kind().dataChanged()
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
// express-session's touch, and has the middleware renew the session's
// expiry in the store at the end of this request (and re-send the cookie
// with Options.Rolling) whatever Options.Renew says. It makes no
// store call itself. On a sealed session it extends the data's expiry and
// re-sends the cookie, as @fastify/secure-session's touch.
func (s *Session) Touch() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind().touch(time.Now())
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
	return s.kind().expires()
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
