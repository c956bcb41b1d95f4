// Package pgstore is a session.Store kept in a PostgreSQL table, through
// a pgx v5 pool (*pgxpool.Pool). A Store implements session.Store,
// session.Toucher, session.Patcher and session.UserIndex, and passes the
// conformance suite in package storetest. (Node: the table, its rows and
// their expiry are connect-pg-simple 10's, so an express-session app
// using connect-pg-simple on the same table and secret loads the same
// row for the same cookie.)
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	store, err := pgstore.New(ctx, pool, pgstore.Options{CreateTable: true})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer store.Close()
//	m, err := session.New(session.Options{Secrets: secrets, Store: store})
//
// # The table
//
// Options.CreateTable creates it when missing, with connect-pg-simple's
// table.sql:
//
//	CREATE TABLE "session" (
//	  "sid" varchar NOT NULL COLLATE "default",
//	  "sess" json NOT NULL,
//	  "expire" timestamp(6) NOT NULL
//	)
//	WITH (OIDS=FALSE);
//	ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;
//	CREATE INDEX "IDX_session_expire" ON "session" ("expire");
//
// sess holds the session record (express-session's JSON) as it was
// written (json, not jsonb, keeps the text). expire is a timestamp
// without time zone, written as to_timestamp(ceil(expiry in Unix
// seconds)) and compared with to_timestamp(ceil(now)), both converted
// with the database session's TimeZone setting, exactly as
// connect-pg-simple does: a Go and a Node process agree on expiry as long
// as their connections use the same TimeZone (by default, the server's).
// Get reads a record and its expiry in one query, so the Manager renews
// an unmodified session only when Options.Renew says it is due.
//
// Expired rows are invisible at once and deleted by a background pruner
// (connect-pg-simple's pruneSessions); call Close to stop it.
//
// # Concurrent saves
//
// Patch (session.Patcher) first tries one statement: apply the request's
// changes to the record the session last saw and UPDATE the row only if
// it still holds exactly that. When another request wrote since, it works
// in one transaction holding the row's lock (SELECT ... FOR UPDATE). The
// patches of one session in one process take turns, each applied to the
// record the previous one wrote, so that the one-statement path holds
// under concurrency. So concurrent requests of one session that change
// different keys, or increment one counter, all keep their change,
// whether they run in one process or many.
//
// # Durability
//
// A write is acknowledged once PostgreSQL has committed it. With
// PostgreSQL's defaults (fsync=on, synchronous_commit=on) a commit is
// flushed to the WAL first, so it survives a crash of the server and of
// the machine. The fault test stops the server with pg_ctl stop -m
// immediate under load, with synchronous_commit=on, and finds no
// acknowledged write lost (it runs with fsync off, so it proves the
// server crash only). With synchronous_commit=off PostgreSQL acknowledges
// before the WAL is flushed, and a crash may lose acknowledged writes.
//
// # Sessions by user
//
// UserSessions (session.UserIndex: the sessions a user is signed in to,
// for a "your devices" page or "sign out everywhere") searches an index
// on an expression of the row itself, the user under Options.UserKey
// ({"passport":{"user":...}} by default):
//
//	CREATE INDEX IF NOT EXISTS "IDX_session_user_passport" ON "session" (((sess -> 'passport') ->> 'user'));
//
// ->> gives a string user's text and a number's JSON text ("42"), as
// session.RecordUser reads them. PostgreSQL computes the entry from the
// row in the statement that writes the row, so the index and the
// sessions cannot disagree: a row written by a Node app, by hand or by
// this package, signed in, signed out or moved to another user, is
// listed as its sess says from the commit on; Destroy and pruning remove
// it with the row, and an expired row is never returned (expire is
// compared in the query, as Get does). New creates the index when the
// table exists and lacks it, over the rows already there: the migration
// of a table connect-pg-simple created. That takes a lock that holds up
// writes to the table while it builds (1.7 s for a million rows on a
// 2-core machine); on a large, busy table, create it beforehand with
// CREATE INDEX CONCURRENTLY under the same name and expression, and New
// finds it (the role then needs no ownership of the table). When the
// table is created after New (by a Node app), the first UserSessions
// creates the index. A table whose sess is not json or jsonb gets no
// index, and its UserSessions fails. Each UserKey and table gets an index
// of its own ("IDX_<table>_user_<key>", or "IDX_user_" and a hash when
// the key is not a plain word or the name would be too long); one no
// Store uses any more may be dropped. The cost on writes: every write of
// a row (Set, Patch, and Touch too, since expire is indexed and the new
// row version needs an entry in every index) parses the record's JSON to
// compute the entry and adds one more B-tree entry; anonymous sessions
// index a NULL.
//
// # Connections
//
// A Store uses a *pgxpool.Pool it does not own. A connection that died
// while idle in the pool (the server restarted) is retried on another
// connection, so the first requests after a restart do not fail. Give the
// pool as many connections as requests it serves at once
// (pool_max_conns): the wait for a connection counts against the
// Manager's StoreTimeout.
package pgstore
