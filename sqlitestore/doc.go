// Package sqlitestore is a session.Store kept in an embedded SQLite
// database file, so sessions survive restarts without a database server.
// It uses the pure-Go driver modernc.org/sqlite: no cgo. Several
// processes (or Stores) may share one file.
//
//	store, err := sqlitestore.Open("/var/lib/app/sessions.db", sqlitestore.Options{})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer store.Close()
//	m, err := session.New(session.Options{Secrets: secrets, Store: store})
//
// A Store implements session.Store, session.Toucher, session.Patcher and
// session.UserIndex, and passes the conformance suite in package
// storetest. Expired records are invisible at once and deleted by a
// background sweeper (every Options.SweepInterval, five minutes by
// default); call Close to stop it and close the database.
//
// # Durability
//
// The database is in WAL mode with synchronous=NORMAL: readers never
// block the writer nor each other, and a commit is durable across a
// crash of the process (the fault test kills cmd/visits with SIGKILL
// under load and finds no acknowledged write lost); a power failure or a
// crash of the machine may lose the last commits (not corrupt the file).
// Options.Durable (synchronous=FULL) makes every commit durable across
// those too, at a cost on every write. Records live in one table:
//
//	CREATE TABLE sessions (
//		id      TEXT PRIMARY KEY,
//		data    BLOB NOT NULL,    -- the session record (express-session's JSON)
//		expires INTEGER NOT NULL  -- Unix time in milliseconds
//	);
//	CREATE INDEX sessions_expires ON sessions (expires);
//	CREATE INDEX sessions_user_passport ON sessions (<the signed-in user>);
//
// Get reads a record and its expiry in one indexed read on a reader
// connection, with no write transaction, so the Manager renews an
// unmodified session's expiry only when Options.Renew says it is due.
//
// # Group commit
//
// SQLite allows one writer at a time, and each commit costs an append to
// the write-ahead log (and an fsync with Options.Durable) whatever it
// holds. A Store reads through a pool of read-only connections and
// writes through a single connection, from one writer goroutine that
// commits the writes waiting together (group commit): Set, Touch,
// Destroy and Patch queue their write and wait; the writer takes every
// write waiting, up to 64, in arrival order, runs them as one batch (one
// IMMEDIATE transaction, or a single statement) and answers each caller
// once the commit holding its write is done. So a write is acknowledged
// only when it is committed, with the durability of the commit, and
// concurrent writes share commits instead of taking turns for one each.
// In a batch, the patches of one session are applied in turn, in memory,
// to the row read once inside the transaction, and the row is written
// once; each Patch returns the record right after its own patch. A
// patch that does not apply fails alone; a driver error fails every
// write of its batch, none of which is then written. A write whose
// context ends while it waits for a batch returns the context's error
// and writes nothing; once taken into a batch it waits for the batch's
// result. Transactions begin IMMEDIATE and every connection waits up to
// BusyTimeout for a lock held by another process, so several processes
// (or Stores) may share one file; a batch reads the rows it patches
// inside its transaction, so it sees their writes.
//
// # Sessions by user
//
// The index sessions_user_passport makes UserSessions (session.UserIndex:
// the sessions a user is signed in to, for a "your devices" page or "sign
// out everywhere") a search of the index instead of a scan of the table.
// It is an index on an expression of the record itself: the user under
// Options.UserKey ("passport" by default: {"passport":{"user":...}}), a
// string as its text and a number as its JSON text, as
// session.RecordUser reads it. SQLite computes it from the row in the
// statement that writes the row, so the index and the sessions cannot
// disagree: a session written by any process or tool, signed in, signed
// out or moved to another user by a Set or a Patch, is listed as its
// record says from the commit on, and Destroy, expiry (expires is
// compared at the query) and sweeping remove it at once.
//
// Open creates the index when it is missing, over the rows already in
// the file (the migration of a file written before it existed; the build
// holds the write lock, 3.7 s for a million rows on a 2-core machine).
// Each UserKey gets an index of its own (sessions_user_KEY, or a hash of
// the key when it is not a plain word); one no Store uses any more may
// be dropped. The cost on writes: every insert or update of a record
// extracts the user from its JSON and updates one more B-tree entry, for
// anonymous sessions too (their entry is NULL). Measured on a 2-core
// machine with a 300-byte record: a bare INSERT goes from about 4 to
// 8-12 µs, a Set replacing a record (the upsert computes the entry of the
// old row and of the new) from about 35 to 55 µs.
package sqlitestore
