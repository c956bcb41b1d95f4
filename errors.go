package session

import "errors"

// Errors returned by this package. Compare them with errors.Is: the
// package wraps them with context ("load session: store: ...").
var (
	// ErrNotFound is returned by a Store when no live record exists for an
	// ID, and by Session.Reload when the record has gone.
	ErrNotFound = errors.New("session: not found")

	// ErrStore wraps every error a Store returned. The default error
	// handler answers 503 Service Unavailable for it.
	ErrStore = errors.New("session: store failed")

	// ErrNoSecret is returned by New when Options.Secrets is empty or holds
	// an empty string.
	ErrNoSecret = errors.New("session: at least one non-empty secret is required")

	// ErrNoStore is returned by New when Options.Store is nil.
	ErrNoStore = errors.New("session: a store is required")

	// ErrInvalidOption is returned by New for an option value that can
	// never produce a valid cookie (a bad name, domain, path or mode).
	ErrInvalidOption = errors.New("session: invalid option")

	// ErrInvalidCookie means a session cookie was forged, truncated,
	// oversized or garbage. The middleware treats such a cookie as absent
	// and starts a new session; it is exported for callers of Unsign.
	ErrInvalidCookie = errors.New("session: invalid session cookie")

	// ErrReservedKey is returned by Session.Set for a key the stored record
	// uses for itself ("cookie" and names starting with "__").
	ErrReservedKey = errors.New("session: reserved key")

	// ErrEncode is returned by Session.Set when a value cannot be encoded
	// as JSON.
	ErrEncode = errors.New("session: value cannot be encoded as JSON")

	// ErrDestroyed is returned by operations on a session after Destroy.
	ErrDestroyed = errors.New("session: destroyed")

	// ErrCorruptRecord means a stored record is not an express-session JSON
	// object. The middleware logs it and starts a new session.
	ErrCorruptRecord = errors.New("session: corrupt stored record")

	// ErrHeadersWritten is logged when a session that still needs its
	// cookie sent (a new or regenerated session) is modified after the
	// response headers went out: the change cannot reach the browser.
	// Call Session.Save before writing the response to avoid it.
	ErrHeadersWritten = errors.New("session: modified after the response headers were written")

	// ErrCookieTooLarge is returned by Session.Set on a sealed session when
	// the data would no longer fit in a cookie (see SealedManager.MaxPayload),
	// and reported through the error handler if sealing still overflows.
	ErrCookieTooLarge = errors.New("session: session too large for a cookie")

	// ErrForged is wrapped, beside ErrInvalidCookie, by the errors for a
	// cookie whose signature or seal does not verify: tampered with, or
	// made with a secret or key this server does not have.
	ErrForged = errors.New("session: signature or seal does not verify")

	// ErrNotSignedIn is returned by the operations on a user's sessions
	// when no user is signed in to the session.
	ErrNotSignedIn = errors.New("session: no user signed in")

	// ErrInvalidUser is returned by Session.SignIn for a user that is not
	// a non-empty string or an integer: Passport's serialized forms that a
	// store can index.
	ErrInvalidUser = errors.New("session: user must be a non-empty string or an integer")

	// ErrNoIndex is returned by the operations on a user's sessions when
	// the Store cannot find sessions by user (it does not implement
	// UserIndex), and on sealed sessions, which have no server-side record.
	ErrNoIndex = errors.New("session: the store cannot list a user's sessions")

	// ErrNoSession is returned by Session methods called on a nil *Session
	// (From found no session: the middleware did not run for this request).
	ErrNoSession = errors.New("session: no session in the request context")

	// ErrInvalidFlash is returned by Session.Flash for an empty kind or
	// message, and when the session's FlashKey, or the kind under it,
	// holds a value that is not connect-flash's (an object of arrays).
	ErrInvalidFlash = errors.New("session: invalid flash message")

	// ErrNotInteger is returned by Session.Increment when the stored value
	// is not an integer.
	ErrNotInteger = errors.New("session: value is not an integer")
)

// errCommitFailed is what a handler's Write gets after the session could
// not be saved and the error handler answered instead.
var errCommitFailed = errors.New("session: response replaced: the session could not be saved")
