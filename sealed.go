package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/sessionkit/session/internal/cookie"
)

// Sealer seals session data into a cookie value and opens it again. Package
// sealed provides the one compatible with @fastify/secure-session
// (XSalsa20-Poly1305 with key rotation).
type Sealer interface {
	// Seal returns the cookie value, before percent-encoding, for plaintext.
	Seal(plaintext []byte) (string, error)
	// Open returns the plaintext sealed in value. stale reports that it
	// opened with a key other than the sealing key, so the session should
	// be sealed again. A forged, truncated or garbage value gives an error
	// wrapping ErrInvalidCookie.
	Open(value string) (plaintext []byte, stale bool, err error)
}

// SealedOptions configures a SealedManager. Sealer is required; the zero
// value of every other field is a safe default.
type SealedOptions struct {
	// Name is the cookie name, default "session" (@fastify/secure-session's).
	Name string
	// Sealer seals and opens the cookie. Required.
	Sealer Sealer
	// Cookie sets the cookie attributes. Path defaults to "/" (the Fastify
	// plugin sets none, so the browser picks the request's directory).
	// MaxAge, when set, is sent as Max-Age; zero gives a browser-session
	// cookie, as the plugin does.
	Cookie CookieOptions
	// Expiry is how long sealed data stays valid after its last write
	// (the plugin's expiry, "__ts" + expiry). Default 86401 seconds, the
	// plugin's default. Writes and Touch extend it, and so does a read
	// once Renew says it is due.
	Expiry time.Duration
	// Renew is lazy sliding expiry for sealed data: when a request that
	// changes nothing seals the data again, with a fresh "__ts" and
	// cookie. The default, RenewAfter(0.5), does once more than half of
	// Expiry has passed since the last write: an active visitor's session
	// does not expire, and most responses carry no cookie. RenewNever()
	// keeps @fastify/secure-session's behaviour (reads never extend the
	// expiry); RenewEveryRequest() seals on every response.
	Renew Renewal
	// TrustProxy makes X-Forwarded-Proto decide SecureAuto.
	TrustProxy bool
	// UserKey is the key a sign-in is kept under, default "passport", as
	// Options.UserKey.
	UserKey string
	// Observer receives the session events (there are no store calls), as
	// Options.Observer.
	Observer Observer
	// ErrorHandler answers a request whose session could not be sealed
	// (ErrCookieTooLarge). Default DefaultErrorHandler.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives warnings and errors. Default slog.Default().
	Logger *slog.Logger
}

// DefaultSealedName is the default cookie name of sealed sessions.
const DefaultSealedName = "session"

// DefaultExpiry is @fastify/secure-session's default expiry.
const DefaultExpiry = 86401 * time.Second

// MaxCookieSize is the largest Set-Cookie header (name, value and
// attributes) this package emits: larger cookies are dropped by browsers.
const MaxCookieSize = 4096

// SealedManager runs sessions sealed in the cookie itself, as
// @fastify/secure-session does: no store, nothing to share between
// instances but the key. The session API is the one of Manager. It is safe
// for concurrent use.
type SealedManager struct {
	opts       Options // the shared options: Name, Cookie, TrustProxy, ErrorHandler, Logger
	sealer     Sealer
	expiry     time.Duration
	renew      Renewal // SealedOptions.Renew, validated
	opened     openedCache
	maxPayload int
}

// NewSealed returns a SealedManager for o. It returns an error wrapping
// ErrInvalidOption when o can never work.
func NewSealed(o SealedOptions) (*SealedManager, error) {
	if o.Sealer == nil {
		return nil, fmt.Errorf("session.NewSealed: %w: a Sealer is required", ErrInvalidOption)
	}
	if o.Expiry == 0 {
		o.Expiry = DefaultExpiry
	}
	if o.Expiry < time.Second {
		return nil, fmt.Errorf("session.NewSealed: %w: Expiry %v under a second", ErrInvalidOption, o.Expiry)
	}
	if err := o.Renew.validate(); err != nil {
		return nil, fmt.Errorf("session.NewSealed: %w", err)
	}
	if o.Cookie.MaxAge < 0 || o.Cookie.MaxAge%time.Second != 0 {
		return nil, fmt.Errorf("session.NewSealed: %w: Cookie.MaxAge %v is not a whole number of seconds", ErrInvalidOption, o.Cookie.MaxAge)
	}
	shared := Options{Name: o.Name, Cookie: o.Cookie, TrustProxy: o.TrustProxy, UserKey: o.UserKey,
		Observer: o.Observer, ErrorHandler: o.ErrorHandler, Logger: o.Logger}
	if err := shared.sharedDefaults(DefaultSealedName); err != nil {
		return nil, fmt.Errorf("session.NewSealed: %w", err)
	}
	m := &SealedManager{opts: shared, sealer: o.Sealer, expiry: o.Expiry, renew: o.Renew, opened: newOpenedCache()}
	m.maxPayload = m.payloadBudget()
	if m.maxPayload <= 0 {
		return nil, fmt.Errorf("session.NewSealed: %w: cookie name and attributes leave no room for data", ErrInvalidOption)
	}
	return m, nil
}

// MaxPayload returns the largest session, in bytes of JSON (the data with
// its "__ts" field), that fits in a cookie with these options. Set returns
// ErrCookieTooLarge beyond it. With the default name and attributes it is
// about 2,650 bytes: sealing adds 16 bytes and a 24-byte nonce, base64
// adds a third, and percent-encoding a little more.
func (m *SealedManager) MaxPayload() int { return m.maxPayload }

// payloadBudget finds the largest payload whose cookie stays under
// MaxCookieSize, counting the worst attributes this manager can emit and a
// 12.5% margin for percent-encoding "+", "/" and "=" (1/32 of base64
// characters on average, so 6.25% expected).
func (m *SealedManager) payloadBudget() int {
	c := m.opts.Cookie
	probe := setCookie{name: m.opts.Name, domain: c.Domain, path: c.Path, httpOnly: !c.ScriptAccess,
		secure: c.Secure != SecureNever, partitioned: c.Partitioned, priority: c.Priority, sameSite: c.SameSite,
		maxAge: int64(c.MaxAge / time.Second), withMaxAge: c.MaxAge > 0}
	overhead := len(probe.String())
	wire := func(n int) int {
		b64 := 4 * ((n + 16 + 2) / 3)
		return int(math.Ceil(float64(b64)*1.125)) + 3 + 36
	}
	n := MaxCookieSize
	for n > 0 && overhead+wire(n) > MaxCookieSize {
		n--
	}
	return n
}

// Handler returns middleware that opens the request's sealed cookie into a
// session (an empty one when it is missing, forged, expired or garbage),
// hands it to next through m.From (and From), and seals it into the response's cookie
// just before the headers go out when it changed. A session too large for
// a cookie is answered by the error handler, never silently dropped. As
// Manager.Handler, it handles only requests under Cookie.Path, matched
// against the path the client sent.
func (m *SealedManager) Handler(next http.Handler) http.Handler {
	return handle(&m.opts, m, next, func(r *http.Request) (*Session, error) {
		return &m.open(r).Session, nil
	})
}

// From returns the session m's middleware gave r, or nil when it did not
// run for r.
func (m *SealedManager) From(r *http.Request) *Session { return sessionIn(r.Context(), m) }

// FromContext is m.From for a context.
func (m *SealedManager) FromContext(ctx context.Context) *Session { return sessionIn(ctx, m) }

// open returns the session sealed in r's cookie, or a new empty one.
func (m *SealedManager) open(r *http.Request) *sealedSession {
	now := time.Now()
	s := &sealedSession{sm: m, ts: jsSeconds(now)}
	s.k, s.req, s.vals = s, r, map[string]json.RawMessage{}
	s.cookie = m.opts.cookieFor(r)
	sent, ok := cookie.Sent(r.Header, m.opts.Name)
	if !ok {
		return s
	}
	s.raw = sent
	if e := m.opened.get(sent); e != nil && s.fresh(e.ts, now) {
		s.ts, s.keys, s.vals, s.shared, s.loadedSealed = e.ts, e.keys, e.vals, true, true
		event(r.Context(), m.opts.Observer, EventLoaded, ReasonNone)
		return s
	}
	raw := cookie.Decode(sent)
	if err := s.unseal(raw, now); err != nil {
		m.opts.Logger.Debug("session: sealed cookie ignored", "err", err)
		if o := m.opts.Observer; o != nil {
			switch {
			case errors.Is(err, errSealedExpired):
				o.Event(r.Context(), EventExpired, ReasonExpired)
			case len(raw) > MaxCookieSize:
				o.Event(r.Context(), EventRejected, ReasonTooLarge)
			case errors.Is(err, ErrForged):
				o.Event(r.Context(), EventRejected, ReasonForged)
			default:
				o.Event(r.Context(), EventRejected, ReasonGarbage)
			}
		}
		return s
	}
	event(r.Context(), m.opts.Observer, EventLoaded, ReasonNone)
	return s
}

// jsSeconds is JavaScript's Math.round(Date.now()/1000).
func jsSeconds(t time.Time) int64 {
	return int64(math.Round(float64(t.UnixMilli()) / 1000))
}
