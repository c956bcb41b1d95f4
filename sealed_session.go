package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/sessionkit/session/internal/cookie"
)

// sealedSession is the sealed-cookie half of a Session, run by a
// SealedManager as @fastify/secure-session does: the data is sealed into
// the cookie itself, with "__ts" (Unix seconds of the last write) beside
// it; there is no store and no ID. The Session it embeds is the one
// handlers see.
type sealedSession struct {
	Session
	sm *SealedManager

	ts           int64  // "__ts": Unix seconds of the last write
	changed      bool   // seal and send the cookie
	raw          string // the request's cookie value as sent (not percent-decoded), for Reload and the cache
	loadedSealed bool   // the request's cookie opened
}

// errSealedExpired is the error for sealed data past its expiry.
var errSealedExpired = errors.New("sealed data expired")

func (s *sealedSession) sessionID() string { return "" }

func (s *sealedSession) isNew() bool { return !s.loadedSealed }

func (s *sealedSession) options() *Options { return &s.sm.opts }

// checkSet refuses a value that would make the session too large for its
// cookie.
func (s *sealedSession) checkSet(key string, raw json.RawMessage) error {
	n := s.payloadLen() + len(key) + len(raw) + 4
	if old, ok := s.vals[key]; ok {
		n -= len(key) + len(old) + 4
	}
	if n > s.sm.maxPayload {
		return fmt.Errorf("%w: %d bytes of data, at most %d fit", ErrCookieTooLarge, n, s.sm.maxPayload)
	}
	return nil
}

// dataChanged marks the session for re-sealing with a fresh "__ts", as
// @fastify/secure-session's set and touch do.
func (s *sealedSession) dataChanged() {
	s.changed = true
	s.ts = jsSeconds(time.Now())
}

// touch extends the data's expiry and re-sends the cookie, as
// @fastify/secure-session's touch.
func (s *sealedSession) touch(time.Time) { s.dataChanged() }

func (s *sealedSession) expires() time.Time { return time.Unix(s.ts, 0).Add(s.sm.expiry) }

func (s *sealedSession) increment(_ context.Context, key string, delta int64) (int64, error) {
	n, err := s.addLocally(key, delta)
	if err == nil {
		s.dataChanged()
	}
	return n, err
}

// save does nothing: the cookie is the store, sealed when the headers go
// out. After that a change cannot be saved.
func (s *sealedSession) save(context.Context) error {
	if s.committed && (s.changed || s.cookieDirty) {
		return ErrHeadersWritten
	}
	return nil
}

// regenerate has no ID to renew: @fastify/secure-session's regenerate
// empties the data (Session.Regenerate does, unless keepData) and seals it
// afresh.
func (s *sealedSession) regenerate(context.Context, bool) error {
	s.dataChanged()
	return nil
}

func (s *sealedSession) destroy(context.Context) error { return nil }

// reload goes back to what the request's cookie held.
func (s *sealedSession) reload(context.Context) error {
	s.vals, s.keys, s.changed, s.loadedSealed = map[string]json.RawMessage{}, nil, false, false
	s.shared, s.decoded = false, nil
	s.prev = s.prev[:0]
	if s.raw != "" {
		_ = s.unseal(cookie.Decode(s.raw), time.Now()) // it opened at load; an error leaves it empty
	}
	return nil
}

// late logs a change made after the cookie was sealed: it cannot be saved.
func (s *sealedSession) late() {
	if !s.destroyed && (s.changed || s.cookieDirty) {
		s.sm.opts.Logger.Error("session: sealed session changed after the response started", "err", ErrHeadersWritten)
	}
}

// unseal loads the data sealed in raw into s. On any error s is left
// empty: a bad cookie is no cookie.
func (s *sealedSession) unseal(raw string, now time.Time) error {
	m := s.sm
	plain, stale, err := m.sealer.Open(raw)
	if err != nil {
		return err
	}
	top, tsRaw, err := scanSealed(plain)
	if err != nil {
		return err
	}
	ts := s.ts
	if tsRaw != nil && jsonKind(tsRaw) == '0' {
		if f, err := strconv.ParseFloat(string(tsRaw), 64); err == nil {
			ts = int64(math.Round(f))
		}
	}
	if !s.fresh(ts, now) {
		return fmt.Errorf("%w: %w", ErrInvalidCookie, errSealedExpired)
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s.ts, s.vals, s.keys, s.shared = ts, top, keys, false
	s.changed = stale // opened with an old key: seal again with the first
	s.loadedSealed = true
	if !stale {
		s.decoded = &record{keys: keys, vals: top} // kept at commit if left as it is
	}
	return nil
}

// fresh reports whether data written at ts (Unix seconds, "__ts") has
// not expired at now.
func (s *sealedSession) fresh(ts int64, now time.Time) bool {
	return time.UnixMilli(ts*1000 + s.sm.expiry.Milliseconds()).After(now)
}

// scanSealed parses the sealed JSON object plain into its members, as
// encoding/json would into a map[string]json.RawMessage (the last of
// duplicate keys wins) but with values sharing plain's bytes, and returns
// its "__ts" member apart.
func scanSealed(plain []byte) (top map[string]json.RawMessage, ts []byte, err error) {
	bad := fmt.Errorf("%w: sealed data is not a JSON object", ErrInvalidCookie)
	i := skipJSONSpace(plain, 0)
	if i >= len(plain) || plain[i] != '{' {
		return nil, nil, bad
	}
	top = make(map[string]json.RawMessage, 4)
	ms := memberScanner{b: plain, i: i, depth: 1}
	for k, v := range ms.members() {
		key, err := jsonString(k)
		if err != nil {
			return nil, nil, bad
		}
		if key == "__ts" {
			ts = v
			continue
		}
		top[key] = v
	}
	if ms.err != nil {
		return nil, nil, bad
	}
	if skipJSONSpace(plain, ms.i) != len(plain) {
		return nil, nil, bad
	}
	return top, ts, nil
}

// payload returns the JSON the session seals: {"__ts":N,<keys>}.
func (s *sealedSession) payload() []byte {
	b := make([]byte, 0, s.payloadLen())
	b = append(b, `{"__ts":`...)
	b = strconv.AppendInt(b, s.ts, 10)
	for _, k := range s.keys {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = append(b, s.vals[k]...)
	}
	return append(b, '}')
}

// payloadLen is the length of payload, give or take key escaping.
func (s *sealedSession) payloadLen() int {
	n := len(`{"__ts":}`) + 10
	for k, v := range s.vals {
		n += len(k) + len(v) + 4
	}
	return n
}

// commitSealed seals the session into the response's cookie when it
// changed, or expires the cookie after Destroy.
func (s *sealedSession) commit(h http.Header) error {
	m := s.sm
	if s.destroyed {
		c := s.sealedCookie("")
		c.withMaxAge, c.maxAge, c.expires = true, 0, time.Unix(0, 0)
		addSetCookie(h, c.String())
		event(s.req.Context(), m.opts.Observer, EventDestroyed, ReasonNone)
		return nil
	}
	renewing := false
	if !s.changed && !s.cookieDirty {
		now := time.Now()
		if !s.loadedSealed || !m.renew.due(s.expires(), now.Add(m.expiry), m.expiry) {
			if s.decoded != nil {
				// Opened and left as it was: the next request with this
				// cookie takes its data from the cache.
				m.opened.put(s.raw, s.ts, s.keys, s.vals)
				s.decoded, s.shared = nil, true
			}
			return nil
		}
		// Unchanged, but its renewal is due: seal it
		// again with a fresh "__ts" (lazy sliding expiry).
		s.ts, renewing = jsSeconds(now), true
	}
	plain := s.payload()
	var line string
	for range 3 { // a fresh nonce changes the percent-encoded length a little
		value, err := m.sealer.Seal(plain)
		if err != nil {
			return fmt.Errorf("seal session: %w", err)
		}
		c := s.sealedCookie(cookie.Encode(value))
		if line = c.String(); len(line) <= MaxCookieSize {
			addSetCookie(h, line)
			s.changed, s.cookieDirty = false, false
			switch {
			case renewing:
				event(s.req.Context(), m.opts.Observer, EventTouched, ReasonNone)
				return nil
			case !s.loadedSealed:
				event(s.req.Context(), m.opts.Observer, EventCreated, ReasonNone)
			}
			event(s.req.Context(), m.opts.Observer, EventSaved, ReasonNone)
			return nil
		}
	}
	return fmt.Errorf("%w: %d bytes of session data make a %d-byte cookie", ErrCookieTooLarge, len(plain), len(line))
}

func (s *sealedSession) sealedCookie(value string) setCookie {
	c := s.cookie.setCookie(s.sm.opts.Name, value)
	if s.cookie.hasMaxAge {
		c.withMaxAge, c.maxAge = true, int64((s.cookie.maxAge+time.Second-1)/time.Second)
	}
	return c
}
