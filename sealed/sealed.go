package sealed

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/sessionkit/session"
)

// Options configures sealed sessions. Give Keys, or Secret (and Salt).
type Options struct {
	// Keys seal and open the cookie: Keys[0] seals, every key opens. To
	// rotate, put a new key first and keep the old ones until their
	// cookies have expired.
	Keys []Key
	// Secret, used when Keys is empty, derives the one key through
	// Argon2id with Salt (DefaultSalt when nil). At least 32 bytes.
	Secret string
	Salt   []byte

	// Name is the cookie name, default "session".
	Name string
	// Cookie sets the cookie attributes (default Path=/, HttpOnly,
	// SameSite=Lax, Secure on HTTPS). MaxAge is sent as Max-Age in seconds.
	Cookie session.CookieOptions
	// Expiry is how long sealed data stays valid after its last write;
	// default 86401 seconds, the plugin's.
	Expiry time.Duration
	// RenewAfter is the fraction of Expiry after which a request that
	// changes nothing seals the data again, with a fresh expiry (default
	// 0.5); see session.SealedOptions.RenewAfter.
	RenewAfter float64
	// TrustProxy makes X-Forwarded-Proto decide whether a request is HTTPS.
	TrustProxy bool
	// ErrorHandler answers a request whose session could not be sealed.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// UserKey is the key a sign-in is kept under, default "passport".
	UserKey string
	// Observer receives the session events, for metrics (package
	// otelsession). Default none.
	Observer session.Observer
}

// New returns a session manager for sealed sessions. It derives the key
// from Secret when Keys is empty (about a second: do it once, at
// start-up). It returns ErrNoKey, ErrSecretTooShort, ErrSaltSize or an
// error wrapping session.ErrInvalidOption for options that cannot work.
func New(o Options) (*session.SealedManager, error) {
	keys := o.Keys
	if len(keys) == 0 {
		if o.Secret == "" {
			return nil, ErrNoKey
		}
		k, err := DeriveKey(o.Secret, o.Salt)
		if err != nil {
			return nil, err
		}
		keys = []Key{k}
	}
	box, err := NewBox(keys...)
	if err != nil {
		return nil, err
	}
	return session.NewSealed(session.SealedOptions{
		Name: o.Name, Sealer: box, Cookie: o.Cookie, Expiry: o.Expiry, RenewAfter: o.RenewAfter, TrustProxy: o.TrustProxy,
		ErrorHandler: o.ErrorHandler, Logger: o.Logger, UserKey: o.UserKey, Observer: o.Observer,
	})
}
