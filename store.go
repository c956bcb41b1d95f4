package session

import (
	"context"
	"time"
)

// Store keeps session records. A record is the session encoded as
// express-session stores it (see the package documentation), so a store
// that writes it where a Node store would (connect-redis, connect-pg-simple)
// shares sessions with Node apps.
//
// Every method takes a context first; the Manager passes one detached from
// the request (a client that disconnects does not cancel a save) with
// Options.StoreTimeout. Implementations must be safe for concurrent use.
//
// Optional capabilities are discovered by interface assertion: Toucher,
// Patcher, ExpiryReader, InMemory.
type Store interface {
	// Get returns the record stored under id, or an error wrapping
	// ErrNotFound when there is none or it has expired. Other errors are
	// failures of the store itself. The caller does not modify the slice.
	Get(ctx context.Context, id string) ([]byte, error)

	// Set stores record under id until expires, replacing any record there.
	// The store may keep the slice.
	Set(ctx context.Context, id string, record []byte, expires time.Time) error

	// Destroy deletes the record under id. Deleting a missing record is
	// not an error.
	Destroy(ctx context.Context, id string) error
}

// Toucher is a Store that can extend a record's expiry without rewriting
// it. The Manager calls Touch for a loaded session that the request did not
// modify (as express-session calls store.touch), so the server-side expiry
// slides with activity and concurrent writers are not overwritten. Without
// it, an unmodified session is not written at all.
type Toucher interface {
	Touch(ctx context.Context, id string, expires time.Time) error
}

// ExpiryReader is a Store that returns a record together with the time it
// will forget it, in one call (one round trip). The Manager reads sessions
// with it, to renew an unmodified session's expiry only when
// Options.Renew says it is due has passed; with a Store that lacks
// it, every request renews. A wrapper that embeds a store and overrides
// Get must override GetExpiry too: the Manager reads through GetExpiry
// when the store has it.
type ExpiryReader interface {
	// GetExpiry is Get, also returning the record's expiry.
	GetExpiry(ctx context.Context, id string) (record []byte, expires time.Time, err error)
}

// DefaultStoreTTL is how long a store keeps a record whose cookie has no
// expiry (a browser-session cookie), connect-redis's and
// connect-pg-simple's 86400 seconds.
const DefaultStoreTTL = 24 * time.Hour

// InMemory is a Store whose calls complete in this process without
// waiting on I/O (package memstore). When InMemory returns true the
// Manager calls the store without a StoreTimeout deadline, which would
// cost a timer per call and can never fire.
type InMemory interface {
	InMemory() bool
}
