package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultUserKey is the session key a sign-in is kept under by default:
// Passport's, {"passport": {"user": <user>}}.
const DefaultUserKey = "passport"

// signInKey holds what the listing of a user's sessions shows of a Go
// sign-in: {"at": <Unix ms>, "ua": <User-Agent>}. A session a Node app
// signed in has none.
const signInKey = "__signin"

// signInMeta is the value under signInKey. User is the user signed in:
// a Node app's sign-in with keepSessionInfo carries the key over to
// another user, whose listing must not show it.
type signInMeta struct {
	At   float64 `json:"at"` // Unix ms, to the microsecond: orders sign-ins for MaxSessionsPerUser
	UA   string  `json:"ua"`
	User string  `json:"user"`
}

// regenerateKeeping is the regeneration of Regenerate, SignIn and SignOut:
// with keep (KeepData), the data and the cookie (a "remember me" max age)
// carry over; without it the session starts empty, its cookie attributes
// from the options.
func (s *Session) regenerateKeeping(ctx context.Context, keep bool) error {
	cookie := s.cookie
	if err := s.kind().regenerate(ctx, keep); err != nil {
		return err
	}
	if keep {
		s.cookie = cookie
	} else {
		s.clearLocked()
	}
	return nil
}

// maxUserAgent bounds the User-Agent kept with a sign-in.
const maxUserAgent = 256

// RegenerateOption changes how Regenerate, SignIn and SignOut treat the
// session's data when they give it a new ID.
type RegenerateOption func(*regenerateConfig)

type regenerateConfig struct{ keep bool }

func regenerateOptions(opts []RegenerateOption) regenerateConfig {
	var cfg regenerateConfig
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// KeepData keeps the session's data, and its cookie's lifetime (a
// SetMaxAge "remember me"), across the new ID that Regenerate, SignIn and
// SignOut give it: a visit count or a cart survives signing in. Without
// it the session starts empty. (Node: Passport's keepSessionInfo, which
// merges the old session, cookie included, into the new one.)
func KeepData() RegenerateOption {
	return func(c *regenerateConfig) { c.keep = true }
}

// SignIn signs user in as Passport's req.login does: it regenerates the
// session (a new ID, the old record deleted: an ID planted before the
// sign-in is worthless after it), empties it unless KeepData,
// stores user under Options.UserKey as {"user": user}, and saves before
// returning, so the next request, on Go or on Node, is signed in. user is
// a non-empty string or an integer, Passport's usual serialized forms; it
// keeps its JSON type. On a sealed session the same data is sealed into
// the response's cookie.
//
// With Options.MaxSessionsPerUser, the user's sessions signed in longest
// ago are ended beyond the cap. It returns an error wrapping
// ErrInvalidUser for another kind of user, ErrStore when the store fails;
// the session is not signed in then.
func (s *Session) SignIn(ctx context.Context, user any, opts ...RegenerateOption) error {
	if s == nil {
		return ErrNoSession
	}
	u, err := userJSON(user)
	if err != nil {
		return err
	}
	cfg := regenerateOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	if err := s.regenerateKeeping(ctx, cfg.keep); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	key := s.kind().options().UserKey
	var ua string
	if s.req != nil { // nil on a zero Session
		ua = strings.ToValidUTF8(s.req.UserAgent(), "")
	}
	for len(ua) > maxUserAgent {
		_, n := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-n]
	}
	pp := withUser(s.vals[key], u)
	name, _ := userOf(pp)
	meta, _ := json.Marshal(signInMeta{float64(time.Now().UnixMicro()) / 1000, ua, name})
	for _, kv := range [...]struct {
		k string
		v json.RawMessage
	}{{key, pp}, {signInKey, meta}} {
		if err := s.kind().checkSet(kv.k, kv.v); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		s.kind().dataChanged()
		s.setLocked(kv.k, kv.v)
	}
	if err := s.kind().save(ctx); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if ss, ok := s.kind().(*serverSession); ok && ss.m.opts.MaxSessionsPerUser > 0 {
		ss.m.enforceCap(ctx, name, ss.id)
	}
	return nil
}

// SignOut signs the user out as Passport's req.logout does: it removes
// the user (the object under Options.UserKey stays, empty of it), saves,
// so the old cookie replayed is not signed in, then regenerates the
// session, empty unless KeepData. Signing out a session nobody is
// signed in to still gives it a new ID. It returns an error wrapping
// ErrStore when the store fails.
func (s *Session) SignOut(ctx context.Context, opts ...RegenerateOption) error {
	if s == nil {
		return ErrNoSession
	}
	cfg := regenerateOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	key := s.kind().options().UserKey
	if old, ok := s.vals[key]; ok {
		if pp, changed := withoutUser(old); changed {
			s.kind().dataChanged()
			s.setLocked(key, pp)
		}
	}
	if _, ok := s.vals[signInKey]; ok {
		s.deleteLocked(signInKey)
	}
	if err := s.kind().save(ctx); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	if err := s.regenerateKeeping(ctx, cfg.keep); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// User returns the signed-in user, as Passport keeps it at
// <UserKey>.user: a string as it is, a number as its JSON text ("42").
// It reports false when nobody is signed in. As in Passport, 0 is a user.
func (s *Session) User() (string, bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return userOf(s.vals[s.kind().options().UserKey])
}

// userJSON encodes a user for the record: a non-empty string or an
// integer.
func userJSON(user any) (json.RawMessage, error) {
	v := reflect.ValueOf(user)
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			return nil, ErrInvalidUser
		}
		return json.Marshal(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(nil, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(nil, v.Uint(), 10), nil
	}
	return nil, fmt.Errorf("%w: %T", ErrInvalidUser, user)
}

// members decodes a JSON object's members; anything else gives none.
func members(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// withUser returns the object raw (or a new one) with "user" set to u.
func withUser(raw, u json.RawMessage) json.RawMessage {
	m := members(raw)
	m["user"] = u
	b, _ := json.Marshal(m)
	return b
}

// withoutUser returns the object raw without its "user" member, and
// whether it had one.
func withoutUser(raw json.RawMessage) (json.RawMessage, bool) {
	m := members(raw)
	if _, ok := m["user"]; !ok {
		return raw, false
	}
	delete(m, "user")
	b, _ := json.Marshal(m)
	return b, true
}

// userOf returns the user in the object raw (the value under the user
// key): its "user" member, a string or a number.
func userOf(raw []byte) (string, bool) {
	i := skipJSONSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return "", false
	}
	var user []byte
	ms := memberScanner{b: raw, i: i, depth: 1}
	for k, v := range ms.members() {
		if keyIs(k, "user") {
			user = v // the last of duplicates wins, as in JSON.parse
		}
	}
	if ms.err != nil {
		return "", false
	}
	if user == nil {
		return "", false
	}
	switch jsonKind(user) {
	case '"':
		u, err := jsonString(user)
		return u, err == nil && u != ""
	case '0':
		return string(user), true
	}
	return "", false
}

// RecordUser returns the user signed in to a stored record: the value at
// key.user (key is Options.UserKey, "passport" by default), a string as it
// is and a number as its JSON text. It reports false when the record has
// none or is not a JSON object. Stores that implement UserIndex use it to
// index records as they are written.
func RecordUser(record []byte, key string) (string, bool) {
	i := skipJSONSpace(record, 0)
	if i >= len(record) || record[i] != '{' {
		return "", false
	}
	var val []byte
	ms := memberScanner{b: record, i: i, depth: 1}
	for k, v := range ms.members() {
		if keyIs(k, key) {
			val = v
		}
	}
	if ms.err != nil {
		return "", false
	}
	if skipJSONSpace(record, ms.i) != len(record) {
		return "", false // data after the object: not a record
	}
	return userOf(val)
}

// keyIs reports whether the raw JSON key k (quotes included) spells name,
// escaped or not.
func keyIs(k []byte, name string) bool {
	if rawKeyIs(k, name) {
		return true
	}
	if !bytes.ContainsRune(k, '\\') {
		return false
	}
	u, err := jsonString(k)
	return err == nil && u == name
}
