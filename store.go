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
// Patcher, UserIndex. A store whose calls complete in this process without
// waiting on I/O (package memstore) may also have a method InMemory() bool
// that returns true: the Manager then calls it without a StoreTimeout
// deadline, which would cost a timer per call and could never fire.
type Store interface {
	// Get returns the record stored under id and the time the store will
	// forget it, or an error wrapping ErrNotFound when there is none or it
	// has expired. Other errors are failures of the store itself. The
	// caller does not modify the slice. A store that cannot tell the
	// expiry in the same read returns the zero time: the Manager then
	// renews an unmodified session's expiry on every request, where
	// otherwise it renews only once Options.Renew says it is due.
	Get(ctx context.Context, id string) (record []byte, expires time.Time, err error)

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

// DefaultStoreTTL is how long a store keeps a record whose cookie has no
// expiry (a browser-session cookie), connect-redis's and
// connect-pg-simple's 86400 seconds.
const DefaultStoreTTL = 24 * time.Hour
