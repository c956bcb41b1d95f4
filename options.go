package session

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// Options configures a Manager. The zero value of every field except
// Secrets and Store is a safe default; the names follow express-session's
// options so that a configuration ports field by field.
type Options struct {
	// Name is the cookie name. Default "connect.sid", express-session's,
	// so a Go service and a default express-session app share the cookie.
	Name string

	// Secrets sign the session-ID cookie: Secrets[0] signs every cookie
	// set, and each secret is tried in order to verify one (rotation: put
	// the new secret first and keep the old ones until their cookies
	// expire). Required. A secret shorter than 32 bytes is accepted, since
	// an existing Node app may use one, but logged as a warning.
	Secrets []string

	// Store holds the session records. Required.
	Store Store

	// Cookie sets the cookie attributes.
	Cookie CookieOptions

	// Header, when set, carries the session in this request and response
	// header instead of a cookie, for API and mobile clients without a
	// cookie jar (for example "X-Session-Token"; Spring Session's
	// HeaderHttpSessionIdResolver). Default "": the cookie.
	//
	// The token is the cookie's value before percent-encoding: "s:" + ID +
	// "." + signature, verified with every secret. The response carries it
	// when the cookie would be sent (a new or regenerated session once it
	// is saved, and on every response with Rolling), and carries the
	// header with an empty value when the session is destroyed (the client
	// forgets its token; an empty request header counts as none). Every
	// response carrying the header also carries Cache-Control: no-store,
	// replacing the handler's, and Vary: <Header>.
	//
	// With Header set, cookies are ignored entirely: no session cookie is
	// read or set. A cookie is attached by the browser to cross-site
	// requests, a header only by the client's own code, so a manager that
	// accepted both would bring back the CSRF and fixation exposure the
	// header avoids, and would have to guess which transport to answer on.
	// To serve browsers and API clients, route them to two Managers (same
	// Store and Secrets, say /api/ with Header and / without).
	//
	// A bad token (forged, garbage, over 4096 bytes) is treated as none
	// and reported to the Observer as EventRejected, as a bad cookie is.
	// Cookie.Path still scopes the middleware, Cookie.MaxAge still sets
	// the session's lifetime and SecureAlways still withholds the token
	// from plain-HTTP responses; the other cookie attributes do not apply.
	// New returns an error wrapping ErrInvalidOption for a name that is
	// not an HTTP token, or is Cookie, Set-Cookie, Cache-Control, Vary or
	// Authorization; and a request fails with an error wrapping
	// ErrInvalidOption when GenerateID returns an ID with a byte outside
	// visible ASCII, which the header cannot carry.
	Header string

	// GenerateID returns a new session ID. Default: 24 bytes from
	// crypto/rand, base64url without padding (32 characters, 192 bits), as
	// express-session's uid-safe. An error from it fails the request.
	GenerateID func(r *http.Request) (string, error)

	// TrustProxy makes the first X-Forwarded-Proto value decide whether a
	// request is secure (express-session's proxy: true). Enable it only
	// behind a proxy that sets the header: a client can send it too.
	TrustProxy bool

	// Resave writes an unmodified loaded session back to the store on
	// every request. Default false; express-session's deprecated default
	// was true.
	Resave bool

	// SaveUninitialized stores a new session, and sends its cookie, even
	// when the handler did not modify it. Default false: nothing is stored
	// and no cookie is sent for a visitor until something is set.
	SaveUninitialized bool

	// Rolling re-sends the cookie, extending its Expires by MaxAge, to a
	// request that carried a valid session whenever the session's expiry
	// is renewed (see Renew): by default once more than half of its
	// lifetime has passed since the last write or renewal, and with
	// RenewEveryRequest() on every response, which is express-session's
	// rolling.
	Rolling bool

	// Renew is lazy sliding expiry: when a request that modifies nothing
	// extends the session's expiry (a Touch of the store, and with Rolling
	// a new cookie). The default, RenewAfter(0.5), renews once more than
	// half of the session's lifetime has passed since its expiry was last
	// set (a write or a renewal), ASP.NET Core's sliding expiration: most
	// requests of an active visitor then cost one store read and nothing
	// else. (Node: express-session touches the store on every request,
	// RenewEveryRequest.)
	//
	// The trade-off: with RenewAfter(f) a session expires between (1-f)
	// and 1 lifetime after its last request, not exactly one lifetime
	// after. With IdleTimeout 30m and the default, a visitor idle for 15
	// to 30 minutes may find the session ended; no session ever outlives
	// IdleTimeout without a request, and AbsoluteTimeout is unaffected. A
	// session's lifetime is the shortest of the cookie's MaxAge (or
	// DefaultStoreTTL without one) and IdleTimeout. A store whose Get
	// returns no expiry cannot tell when the expiry was set, and is
	// renewed on every request. RenewNever never renews an unmodified
	// session (it expires one lifetime after its last write).
	Renew Renewal

	// Unset says what happens to a stored session that a request emptied
	// (Clear, or Delete of every key). See UnsetMode.
	Unset UnsetMode

	// IdleTimeout, when positive, ends a session that has seen no request
	// for this long: the store expiry is at most now+IdleTimeout and slides
	// with every request (OWASP "Idle Timeout").
	IdleTimeout time.Duration

	// AbsoluteTimeout, when positive, ends a session this long after it
	// was created, however active it is (OWASP "Absolute Timeout"). The
	// creation time is kept in the record under "__created".
	AbsoluteTimeout time.Duration

	// StoreTimeout bounds every store call. The calls run on a context
	// detached from the request's, so a client that disconnects does not
	// cancel a save. Default 5 seconds.
	StoreTimeout time.Duration

	// UserKey is the session key a sign-in is kept under, as
	// {"user": <user>} (Passport's key option). Default "passport", so a
	// Go service and a Node app using Passport agree on who is signed in.
	UserKey string

	// MaxSessionsPerUser, when positive, caps a user's concurrent
	// sessions: a sign-in that makes one too many ends the sessions signed
	// in longest ago (Spring Security's maximumSessions). It needs a Store
	// that implements UserIndex; New returns ErrInvalidOption otherwise.
	MaxSessionsPerUser int

	// Observer, when set, receives every store call and session event,
	// for metrics and traces (package otelsession). Default none.
	Observer Observer

	// ErrorHandler answers a request whose session could not be loaded or
	// saved. Default: 503 Service Unavailable for store errors, 500
	// otherwise, with only the status text in the body. The error is
	// logged before the handler is called.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives warnings and errors. Default slog.Default().
	Logger *slog.Logger
}

// CookieOptions are the attributes of the session cookie. The zero value
// gives Path=/, HttpOnly, SameSite=Lax, Secure on HTTPS requests only, and
// a browser-session cookie (no Expires).
type CookieOptions struct {
	// Path is the cookie path, default "/". As in express-session, the
	// middleware only handles requests whose URL path starts with it.
	Path string
	// Domain is the cookie domain; empty means host-only (the safest).
	Domain string
	// MaxAge is the cookie lifetime: the cookie carries Expires=now+MaxAge.
	// Zero gives a browser-session cookie. Session.SetMaxAge overrides it
	// per session ("remember me").
	MaxAge time.Duration
	// ScriptAccess removes the HttpOnly attribute, letting page scripts
	// read the cookie. Leave it false unless you must (OWASP "HttpOnly").
	ScriptAccess bool
	// Secure chooses when the cookie carries the Secure attribute.
	Secure SecureMode
	// SameSite is the SameSite attribute, default Lax.
	SameSite SameSite
	// Partitioned adds the Partitioned attribute (CHIPS).
	Partitioned bool
	// Priority adds the Priority attribute when not empty.
	Priority Priority
}

// SecureMode decides the Secure cookie attribute.
type SecureMode int

const (
	// SecureAuto (the default) marks the cookie Secure when the request
	// that created the session was secure: TLS, or X-Forwarded-Proto https
	// with TrustProxy. It is express-session's secure: 'auto'.
	SecureAuto SecureMode = iota
	// SecureAlways marks the cookie Secure, and, as express-session's
	// secure: true, sends it only on secure requests.
	SecureAlways
	// SecureNever never marks the cookie Secure.
	SecureNever
)

// SameSite is the SameSite cookie attribute.
type SameSite int

const (
	// SameSiteLax (the default) sends the cookie on same-site requests and
	// top-level navigations.
	SameSiteLax SameSite = iota
	// SameSiteStrict sends the cookie on same-site requests only.
	SameSiteStrict
	// SameSiteNone sends the cookie on cross-site requests too; browsers
	// require Secure with it.
	SameSiteNone
	// SameSiteOmit leaves the attribute out (the browser's default).
	SameSiteOmit
)

// Priority is the Priority cookie attribute.
type Priority string

// Priority values.
const (
	PriorityLow    Priority = "Low"
	PriorityMedium Priority = "Medium"
	PriorityHigh   Priority = "High"
)

// UnsetMode is express-session's unset option, applied to a session that a
// request emptied.
type UnsetMode int

const (
	// UnsetKeep (the default) saves the emptied session: its ID stays valid.
	UnsetKeep UnsetMode = iota
	// UnsetDestroy deletes the emptied session from the store and expires
	// its cookie, as if Destroy had been called.
	UnsetDestroy
)

// DefaultName is the default cookie name, express-session's.
const DefaultName = "connect.sid"

// shortSecret is the length under which a secret is logged as weak.
const shortSecret = 32

var (
	tokenRE  = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	domainRE = regexp.MustCompile(`(?i)^\.?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	pathRE   = regexp.MustCompile(`^[\x20-\x3A\x3D-\x7E]*$`)
)

// withDefaults validates o and returns a copy with every default filled in.
func (o Options) withDefaults() (Options, error) {
	var err error
	if len(o.Secrets) == 0 {
		return o, ErrNoSecret
	}
	for _, s := range o.Secrets {
		if s == "" {
			return o, ErrNoSecret
		}
	}
	if o.Store == nil {
		return o, ErrNoStore
	}
	if err := o.sharedDefaults(DefaultName); err != nil {
		return o, err
	}
	if o.Cookie.MaxAge < 0 {
		return o, fmt.Errorf("%w: negative cookie MaxAge %v", ErrInvalidOption, o.Cookie.MaxAge)
	}
	if o.Unset != UnsetKeep && o.Unset != UnsetDestroy {
		return o, fmt.Errorf("%w: UnsetMode %d", ErrInvalidOption, o.Unset)
	}
	if o.IdleTimeout < 0 || o.AbsoluteTimeout < 0 || o.StoreTimeout < 0 {
		return o, fmt.Errorf("%w: negative timeout", ErrInvalidOption)
	}
	if o.StoreTimeout == 0 {
		o.StoreTimeout = 5 * time.Second
	}
	if err = o.Renew.validate(); err != nil {
		return o, err
	}
	if o.MaxSessionsPerUser < 0 {
		return o, fmt.Errorf("%w: negative MaxSessionsPerUser", ErrInvalidOption)
	}
	if idx, ok := o.Store.(UserIndex); ok && idx.UserKey() != o.UserKey {
		return o, fmt.Errorf("%w: the store reads sign-ins under UserKey %q, the Manager keeps them under %q; give both the same UserKey", ErrInvalidOption, idx.UserKey(), o.UserKey)
	}
	if _, ok := o.Store.(UserIndex); o.MaxSessionsPerUser > 0 && !ok {
		return o, fmt.Errorf("%w: MaxSessionsPerUser needs a Store that implements UserIndex", ErrInvalidOption)
	}
	if o.GenerateID == nil {
		o.GenerateID = func(*http.Request) (string, error) { return NewID() }
	}
	if err = o.headerDefaults(); err != nil {
		return o, err
	}
	for i, s := range o.Secrets {
		if len(s) < shortSecret {
			o.Logger.Warn("session: secret is shorter than 32 bytes; use a long random secret",
				"index", i, "length", len(s))
		}
	}
	return o, nil
}

// sharedDefaults validates the options both managers have (the cookie
// name and attributes, UserKey) and fills in their defaults, the name's
// with name. The sealed manager keeps its shared options in an Options
// with only these fields set.
func (o *Options) sharedDefaults(name string) error {
	if o.Name == "" {
		o.Name = name
	}
	if !tokenRE.MatchString(o.Name) {
		return fmt.Errorf("%w: cookie name %q is not an HTTP token", ErrInvalidOption, o.Name)
	}
	c := &o.Cookie
	if c.Path == "" {
		c.Path = "/"
	}
	if !pathRE.MatchString(c.Path) {
		return fmt.Errorf("%w: cookie path %q", ErrInvalidOption, c.Path)
	}
	if c.Domain != "" && !domainRE.MatchString(c.Domain) {
		return fmt.Errorf("%w: cookie domain %q", ErrInvalidOption, c.Domain)
	}
	if c.Secure < SecureAuto || c.Secure > SecureNever {
		return fmt.Errorf("%w: SecureMode %d", ErrInvalidOption, c.Secure)
	}
	if c.SameSite < SameSiteLax || c.SameSite > SameSiteOmit {
		return fmt.Errorf("%w: SameSite %d", ErrInvalidOption, c.SameSite)
	}
	if c.SameSite == SameSiteNone && c.Secure == SecureNever {
		return fmt.Errorf("%w: SameSite=None needs Secure; browsers drop the cookie otherwise", ErrInvalidOption)
	}
	switch c.Priority {
	case "", PriorityLow, PriorityMedium, PriorityHigh:
	default:
		return fmt.Errorf("%w: Priority %q", ErrInvalidOption, c.Priority)
	}
	if o.UserKey == "" {
		o.UserKey = DefaultUserKey
	}
	if err := checkKey(o.UserKey); err != nil {
		return fmt.Errorf("%w: UserKey: %w", ErrInvalidOption, err)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ErrorHandler == nil {
		o.ErrorHandler = DefaultErrorHandler
	}
	return nil
}

// cookieFor returns the cookie attributes o gives a session started on r,
// for both kinds; a server-side session adds its expiry.
func (o *Options) cookieFor(r *http.Request) cookieData {
	oc := o.Cookie
	c := cookieData{
		path:        oc.Path,
		domain:      oc.Domain,
		httpOnly:    !oc.ScriptAccess,
		sameSite:    oc.SameSite,
		partitioned: oc.Partitioned,
		priority:    oc.Priority,
	}
	if oc.MaxAge > 0 {
		c.hasMaxAge, c.maxAge = true, oc.MaxAge
	}
	switch oc.Secure {
	case SecureAuto:
		c.secureSet, c.secure = true, o.isSecure(r)
	case SecureAlways:
		c.secureSet, c.secure = true, true
	}
	return c
}

// setCookie returns the Set-Cookie line for c under name, value already
// encoded: every attribute, and Expires when c has an expiry.
func (c *cookieData) setCookie(name, value string) setCookie {
	return setCookie{
		name:        name,
		value:       value,
		domain:      c.domain,
		path:        c.path,
		expires:     c.expires,
		httpOnly:    c.httpOnly,
		secure:      c.secure,
		partitioned: c.partitioned,
		priority:    c.priority,
		sameSite:    c.sameSite,
	}
}
