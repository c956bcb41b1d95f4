package session

import "context"

// Observer receives what the session layer does, for metrics and traces:
// package otelsession implements it with OpenTelemetry. Set it in
// Options.Observer or SealedOptions.Observer. Its methods run on the
// request's goroutine, so they must be quick and must not block; they never
// receive a session ID or session data. Without an Observer the hot path
// does no extra work and allocates nothing more.
type Observer interface {
	// StoreCall is called before each store call. It returns the context
	// to make the call with (one carrying a span, say) and a function
	// called with the call's outcome: nil, an error wrapping ErrNotFound
	// (a miss, not a failure), or the store's error.
	StoreCall(ctx context.Context, op StoreOp) (context.Context, func(err error))
	// Event is called for each event of a session's life; reason is set
	// for EventRejected and EventExpired, and ReasonNone otherwise.
	Event(ctx context.Context, e Event, reason Reason)
}

// StoreOp names a store call for an Observer.
type StoreOp string

// The store calls a Manager makes.
const (
	OpGet          StoreOp = "get"
	OpSet          StoreOp = "set"
	OpPatch        StoreOp = "patch"
	OpTouch        StoreOp = "touch"
	OpDestroy      StoreOp = "destroy"
	OpUserSessions StoreOp = "user_sessions"
)

// Event is an event of a session's life, for an Observer.
type Event uint8

// The events. A request that carries no cookie and stores nothing has no
// event: express-session's uninitialized session is not counted.
const (
	// EventCreated: a session with a new ID was stored (a new visitor's
	// first save, or a regenerated one), or a sealed session was first
	// sealed.
	EventCreated Event = iota + 1
	// EventLoaded: a request's cookie named a live session.
	EventLoaded
	// EventSaved: a session was written (created or not).
	EventSaved
	// EventTouched: an unmodified session's expiry was extended.
	EventTouched
	// EventDestroyed: a session was deleted (Destroy, Regenerate, sign-in
	// and sign-out, ending a user's session).
	EventDestroyed
	// EventExpired: a valid cookie named a session that has expired (or is
	// otherwise gone from the store), or passed AbsoluteTimeout; the
	// request starts a new session.
	EventExpired
	// EventRejected: a cookie was refused; Reason says why.
	EventRejected
)

var eventNames = [...]string{"", "created", "loaded", "saved", "touched", "destroyed", "expired", "rejected"}

// String returns the event's name: "created", "loaded", and so on.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "unknown"
}

// Reason says why a cookie was rejected or a session expired.
type Reason uint8

// The reasons.
const (
	ReasonNone Reason = iota
	// ReasonForged: the signature or seal does not verify.
	ReasonForged
	// ReasonGarbage: not a session cookie at all (unsigned, malformed,
	// not decodable).
	ReasonGarbage
	// ReasonExpired: the session behind it has expired.
	ReasonExpired
	// ReasonTooLarge: the cookie is longer than any this package writes.
	ReasonTooLarge
)

var reasonNames = [...]string{"", "forged", "garbage", "expired", "too_large"}

// String returns the reason's name: "forged", "garbage", "expired",
// "too_large", or "" for ReasonNone.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// nopEnd is the outcome function without an Observer.
func nopEnd(error) {}

// observe starts the store call op for o, which may be nil.
func observe(ctx context.Context, o Observer, op StoreOp) (context.Context, func(error)) {
	if o == nil {
		return ctx, nopEnd
	}
	return o.StoreCall(ctx, op)
}

// event reports e to o, which may be nil.
func event(ctx context.Context, o Observer, e Event, r Reason) {
	if o != nil {
		o.Event(ctx, e, r)
	}
}
