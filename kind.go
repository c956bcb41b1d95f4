package session

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// kind is what differs between the two sorts of session: a server-side
// one (serverSession, run by a Manager: a signed ID in the cookie, the data
// in a Store) and a sealed one (sealedSession, run by a SealedManager: the
// data in the cookie). Session holds what they share, the data and its
// change tracking, and calls its kind for the rest. Every method is called
// with the session's lock held.
type kind interface {
	// sessionID returns the session ID; a sealed session has none.
	sessionID() string
	// isNew reports whether this request created the session.
	isNew() bool
	// options returns the manager's options.
	options() *Options
	// checkSet returns an error when key may not take raw (a sealed
	// session that would outgrow its cookie).
	checkSet(key string, raw json.RawMessage) error
	// dataChanged is called when a key is about to be set or deleted.
	dataChanged()
	// touch is Session.Touch.
	touch(now time.Time)
	// expires is Session.Expires.
	expires() time.Time
	// increment is Session.Increment.
	increment(ctx context.Context, key string, delta int64) (int64, error)
	// commit saves what must be saved and adds the Set-Cookie header, just
	// before the response headers go out.
	commit(h http.Header) error
	// late handles changes made after commit, when the handler returns.
	late()
	// save is Session.Save, regenerate Session.Regenerate, destroy
	// Session.Destroy (before the session is marked destroyed), reload
	// Session.Reload.
	save(ctx context.Context) error
	regenerate(ctx context.Context, keepData bool) error
	destroy(ctx context.Context) error
	reload(ctx context.Context) error
}
