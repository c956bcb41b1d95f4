// Package memstore is an in-memory session.Store for tests and
// single-process apps. Expired records are swept in the background (every
// Options.SweepInterval, a minute by default), and the number of records
// is capped (Options.MaxSessions, 100,000 by default): at the cap, a new
// record evicts the record closest to expiry, and the first eviction is
// logged. So, unless MaxSessions is negative (no cap), the store never
// grows without bound. (Node: express-session's MemoryStore deletes an
// expired record only when it is read, and has no cap.)
//
// A Store implements session.Store, session.Toucher, session.Patcher and
// session.UserIndex, and passes the conformance suite in package
// storetest. Its records live in this process only: they are gone when
// the process exits, and other processes cannot see them.
//
//	store := memstore.New(memstore.Options{})
//	defer store.Close()
//	m, err := session.New(session.Options{Secrets: secrets, Store: store})
//
// # Concurrent saves
//
// Patch applies a request's changes outside the store's lock, then stores
// the result only if the record is still the one the changes were applied
// to; otherwise it applies them again to the newer record. So concurrent
// requests of one session that change different keys, or increment one
// counter, all keep their change. Store has a method InMemory that
// returns true: the session Manager then calls it without a StoreTimeout
// deadline, since no call waits on I/O.
//
// # Memory
//
// The records and their metadata live outside the Go heap, in 64 KiB
// chunks mapped from the system on Unix (elsewhere the chunks are Go
// memory); OffHeapBytes reports them. The garbage collector neither scans
// these chunks nor counts them in the heap that sets its pace, so they
// are not doubled by the garbage the collector lets accumulate. A
// standard session ID (32 base64url characters) is kept as its 24 bytes,
// and the cookie object every record starts with, the same for every
// session of an app but for its "expires", is kept once. Records are
// copied in and out: Set keeps a copy, and Get returns one. After a flood
// of new visitors into cmd/visits -store memory, the process's resident
// memory grows by about 200 bytes per live session (BENCHMARKS.md).
//
// # Sessions by user
//
// UserSessions reads a map from user to session IDs that is kept under
// the same lock as the records, so it cannot disagree with them. An
// anonymous write costs one substring search and no memory.
package memstore
