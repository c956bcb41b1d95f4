package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/session/internal/signature"
)

// Manager runs server-side sessions: a signed session-ID cookie, the data
// in a Store, express-session's behaviour. Create one with New and wrap
// handlers with Handler. A Manager is safe for concurrent use.
type Manager struct {
	opts     Options
	toucher  Toucher           // nil when the store cannot touch
	patcher  Patcher           // nil when the store cannot patch
	inMem    bool              // the store says its calls are in memory: no timeout per call
	decoded  decodedCache      // records read again unchanged are not decoded again
	verified verifiedCache     // tokens sent again are not verified again
	signer   *signature.Signer // Options.Secrets, with a pool of keyed HMACs each
}

// New returns a Manager for opts. It returns an error wrapping
// ErrNoSecret, ErrNoStore or ErrInvalidOption when opts can never work,
// rather than failing later on a request.
func New(opts Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("session.New: %w", err)
	}
	m := &Manager{opts: o, signer: signature.New(o.Secrets...)}
	m.toucher, _ = o.Store.(Toucher)
	m.patcher, _ = o.Store.(Patcher)
	if im, ok := o.Store.(interface{ InMemory() bool }); ok {
		m.inMem = im.InMemory()
	}
	m.decoded = newDecodedCache()
	m.verified = newVerifiedCache()
	return m, nil
}

// DefaultErrorHandler answers 503 Service Unavailable when err wraps
// ErrStore and 500 Internal Server Error otherwise, with the status text
// only: no internals reach the client.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, ErrStore) {
		code = http.StatusServiceUnavailable
	}
	http.Error(w, http.StatusText(code), code)
}

// storeCtx returns a context for one store call: detached from ctx's
// cancellation (a client that goes away must not abort a save) but
// keeping its values, bounded by StoreTimeout. A store in memory, which
// cannot be slow, gets no timeout: the timer would cost more than the call.
func (m *Manager) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if m.inMem {
		return context.WithoutCancel(ctx), func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), m.opts.StoreTimeout)
}

func (m *Manager) storeErr(op, id string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: %s %s: %w", ErrStore, op, redact(id), err)
}

// redact shortens an ID for logs: enough to correlate, not to hijack.
func redact(id string) string {
	if len(id) > 6 {
		return id[:6] + "…"
	}
	return id
}

// isSecure reports whether r arrived over HTTPS: TLS, or, with TrustProxy,
// a first X-Forwarded-Proto value of "https" (express-session's issecure).
func (o *Options) isSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !o.TrustProxy {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// newCookie returns the cookie attributes for a session generated for r.
func (m *Manager) newCookie(r *http.Request, now time.Time) cookieData {
	c := m.opts.cookieFor(r)
	if c.hasMaxAge {
		c.expires = now.Add(c.maxAge)
	}
	return c
}

// generate returns a new, empty session for r (express-session's
// generate); cookieID is the verified ID the request carried, if any.
func (m *Manager) generate(r *http.Request, cookieID string) (*serverSession, error) {
	id, err := m.newID(r)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s := newServerSession(m, r)
	s.id, s.originalID, s.cookieID = id, id, cookieID
	s.cookie = m.newCookie(r, now)
	s.vals = make(map[string]json.RawMessage)
	if cookieID == id {
		s.deliveredID = id
	}
	if m.opts.AbsoluteTimeout > 0 {
		s.created = now.UnixMilli()
	}
	return s, nil
}

// newID returns a new session ID from Options.GenerateID, or an error
// when it fails or returns an empty ID.
func (m *Manager) newID(r *http.Request) (string, error) {
	id, err := m.opts.GenerateID(r)
	if err != nil {
		return "", fmt.Errorf("generate session ID: %w", err)
	}
	if id == "" {
		return "", errors.New("generate session ID: GenerateID returned an empty ID")
	}
	return id, nil
}

// load returns the session for r: the stored one its cookie (or, with
// Options.Header, its token header) names, or a new one when that is
// missing, invalid, unknown or expired. An unknown ID is never adopted.
// The error wraps ErrStore when the store failed.
func (m *Manager) load(r *http.Request) (*serverSession, error) {
	sent, ok := m.requestToken(r)
	if !ok {
		return m.generate(r, "")
	}
	id, ok := m.verified.get(sent)
	if !ok {
		raw := m.tokenValue(sent)
		var err error
		if id, err = unsignValue(m.signer, raw); err != nil {
			event(r.Context(), m.opts.Observer, EventRejected, rejectReason(raw))
			return m.generate(r, "")
		}
		m.verified.put(sent, id)
	}
	ctx := r.Context() // a read in memory cannot be slow, nor does it matter if a client that left cancels it
	if !m.inMem {
		var cancel context.CancelFunc
		ctx, cancel = m.storeCtx(ctx)
		defer cancel()
	}
	b, stored, err := m.get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		event(r.Context(), m.opts.Observer, EventExpired, ReasonExpired)
		return m.generate(r, id)
	}
	if err != nil {
		return nil, m.storeErr("get", id, err)
	}
	rec, shared, err := m.decodeRecord(id, b)
	if err != nil {
		m.opts.Logger.Warn("session: unreadable record; starting a new session",
			"id", redact(id), "err", err)
		return m.generate(r, id)
	}
	now := time.Now()
	if abs := m.opts.AbsoluteTimeout; abs > 0 && rec.created > 0 &&
		now.After(time.UnixMilli(rec.created).Add(abs)) {
		event(r.Context(), m.opts.Observer, EventExpired, ReasonExpired)
		if err := m.destroyID(r.Context(), id); err != nil {
			m.opts.Logger.Warn("session: destroy expired session", "err", err)
		}
		return m.generate(r, id)
	}
	event(r.Context(), m.opts.Observer, EventLoaded, ReasonNone)
	s := newServerSession(m, r)
	s.id, s.originalID, s.cookieID, s.deliveredID = id, id, id, id
	s.cookie, s.created = rec.cookie, rec.created
	s.keys, s.vals, s.base, s.shared = rec.keys, rec.vals, b, shared
	s.loadedCookie, s.loadedCreated = rec.cookie, rec.created
	if !shared {
		s.decoded = rec // cached at commit if the request leaves it as it is
	}
	s.storedExp = stored
	if !m.opts.Resave {
		s.saved, s.savedID = true, id
	}
	if m.opts.AbsoluteTimeout > 0 && s.created == 0 {
		// A record from before AbsoluteTimeout was set, or from Node: the
		// clock starts now, and must be stored so it does not restart.
		s.created, s.forceSave = now.UnixMilli(), true
	}
	return s, nil
}

// decodeRecord decodes b, the record under id; shared reports that its
// keys and values are shared with other sessions (Session.own), taken
// from the Manager's cache of decoded records.
func (m *Manager) decodeRecord(id string, b []byte) (rec *record, shared bool, err error) {
	if rec, ok := m.decoded.get(id, b); ok {
		return rec, true, nil
	}
	rec, err = decodeRecord(b)
	return rec, false, err
}

// get reads the record under id, with its expiry in the store (zero when
// the store cannot tell), observed as OpGet.
func (m *Manager) get(ctx context.Context, id string) (b []byte, exp time.Time, err error) {
	ctx, end := observe(ctx, m.opts.Observer, OpGet)
	b, exp, err = m.opts.Store.Get(ctx, id)
	end(err)
	return b, exp, err
}

// storeExpiry is when the store may forget s: the cookie's expiry (or
// DefaultStoreTTL for a browser-session cookie), capped by the idle and
// absolute timeouts.
func (m *Manager) storeExpiry(s *serverSession, now time.Time) time.Time {
	exp := s.cookie.expires
	if exp.IsZero() {
		exp = now.Add(DefaultStoreTTL)
	}
	if idle := m.opts.IdleTimeout; idle > 0 && now.Add(idle).Before(exp) {
		exp = now.Add(idle)
	}
	if abs := m.opts.AbsoluteTimeout; abs > 0 && s.created > 0 {
		if end := time.UnixMilli(s.created).Add(abs); end.Before(exp) {
			exp = end
		}
	}
	return exp
}

// lifetime is how long s lives from a write or renewal when nothing else
// caps it: the cookie's max age (DefaultStoreTTL for a browser-session
// cookie), or IdleTimeout when shorter.
func (m *Manager) lifetime(s *serverSession) time.Duration {
	d := DefaultStoreTTL
	if s.cookie.hasMaxAge {
		d = s.cookie.maxAge
	}
	if idle := m.opts.IdleTimeout; idle > 0 && idle < d {
		d = idle
	}
	return d
}

// rejectReason classifies a cookie value unsignValue refused.
func rejectReason(raw string) Reason {
	switch {
	case len(raw) > maxCookieValue:
		return ReasonTooLarge
	case !strings.HasPrefix(raw, "s:") || !strings.Contains(raw, "."):
		return ReasonGarbage
	}
	return ReasonForged
}
