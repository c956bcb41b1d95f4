package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/keylock"
)

// DefaultTableName is the table used when Options.TableName is empty,
// connect-pg-simple's default.
const DefaultTableName = "session"

// DefaultPruneInterval is the mean time between deletions of expired rows
// when Options.PruneInterval is zero, connect-pg-simple's default. Each
// wait is drawn between 50% and 150% of the interval, as connect-pg-simple
// does, so that several processes do not prune at the same moment.
const DefaultPruneInterval = 15 * time.Minute

// pruneTimeout bounds one background prune.
const pruneTimeout = time.Minute

// tableSQL is connect-pg-simple 10.0.0's table.sql, verbatim. As there,
// only the table name ("session") is substituted: the constraint and index
// names stay fixed.
const tableSQL = `CREATE TABLE "session" (
  "sid" varchar NOT NULL COLLATE "default",
  "sess" json NOT NULL,
  "expire" timestamp(6) NOT NULL
)
WITH (OIDS=FALSE);

ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;

CREATE INDEX "IDX_session_expire" ON "session" ("expire");
`

// Options configures a Store. The zero value uses the table "session" on
// the connection's search_path, which must exist.
type Options struct {
	// TableName is the table's name (connect-pg-simple's tableName).
	// Empty means DefaultTableName.
	TableName string

	// SchemaName qualifies the table (connect-pg-simple's schemaName).
	// Empty means the connection's search_path decides.
	SchemaName string

	// CreateTable makes New create the table when it does not exist, with
	// connect-pg-simple's table.sql (its createTableIfMissing). The schema
	// must exist. As in connect-pg-simple, the primary key constraint and
	// the index keep their fixed names "session_pkey" and
	// "IDX_session_expire" whatever the table name, so two such tables
	// cannot share a schema: give each its own SchemaName.
	CreateTable bool

	// PruneInterval is the mean time between background deletions of
	// expired rows. Zero means DefaultPruneInterval; a negative value
	// disables the pruner (expired rows are never returned either way;
	// call Prune yourself, or let another process, such as a Node app
	// using connect-pg-simple, prune the shared table).
	PruneInterval time.Duration

	// Logger receives the pruner's failures (Warn) and counts (Debug).
	// Nil means slog.Default(). Store calls report their failures to the
	// caller and never log them.
	Logger *slog.Logger

	// UserKey is the session key a sign-in is kept under, for
	// UserSessions and its index; empty means session.DefaultUserKey
	// ("passport", Passport's). Give the Manager's Options.UserKey when it
	// is not the default. It may not contain a NUL byte.
	UserKey string
}

// Store is a session.Store, session.Toucher, session.Patcher and
// session.UserIndex backed by a PostgreSQL table (connect-pg-simple's: see
// the package documentation). It is safe for concurrent use. Every method
// returns an error wrapping the context's error when ctx is done first,
// and one wrapping pgx's error when the database fails. Error messages
// never contain session IDs.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// maxAttempts bounds how many pooled connections one call tries when
	// the ones it gets turn out to be dead.
	maxAttempts int

	table                            string // quoted, schema-qualified name
	getSQL, setSQL, touchSQL, delSQL string
	lockSQL, insertLockSQL, pruneSQL string
	updateSQL, casSQL                string
	locks                            keylock.Locks // per session, in this process

	userKey   string
	userIndex string      // the user index's name, unquoted
	usersSQL  string      // UserSessions' query
	indexed   atomic.Bool // the table existed once ensureIndex looked

	cancel context.CancelFunc // stops the pruner; nil without one
	done   chan struct{}      // closed when the pruner has returned
}

// New returns a Store on the table opts names in pool's database, creating
// it first when opts.CreateTable is set, and creates the index of
// signed-in users on it when it exists and lacks one (see the package
// documentation). Both need the database: ctx bounds them. The pool stays
// the caller's: Close does not close it. Unless opts.PruneInterval is
// negative, New starts the pruner; call Close to stop it.
//
// New returns an error for a nil pool or a UserKey with a NUL byte, and
// one wrapping pgx's error when the database fails, the table cannot be
// created, or the index cannot (the role must own the table, unless the
// index is there already).
func New(ctx context.Context, pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore.New: nil pool")
	}
	if opts.UserKey == "" {
		opts.UserKey = session.DefaultUserKey
	}
	if strings.ContainsRune(opts.UserKey, 0) {
		return nil, errors.New("pgstore.New: UserKey contains a NUL byte")
	}
	if opts.TableName == "" {
		opts.TableName = DefaultTableName
	}
	if opts.PruneInterval == 0 {
		opts.PruneInterval = DefaultPruneInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ident := pgx.Identifier{opts.TableName}
	if opts.SchemaName != "" {
		ident = pgx.Identifier{opts.SchemaName, opts.TableName}
	}
	t := ident.Sanitize()
	s := &Store{
		pool:        pool,
		log:         opts.Logger,
		maxAttempts: int(pool.Config().MaxConns) + 1,
		table:       t,
		// The statements are connect-pg-simple's, with its parameter
		// order where it has one.
		getSQL:        `SELECT sess, expire::timestamptz FROM ` + t + ` WHERE sid = $1 AND expire >= to_timestamp($2)`,
		setSQL:        `INSERT INTO ` + t + ` (sess, expire, sid) VALUES ($1, to_timestamp($2), $3) ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire`,
		touchSQL:      `UPDATE ` + t + ` SET expire = to_timestamp($1) WHERE sid = $2 AND expire >= to_timestamp($3)`,
		delSQL:        `DELETE FROM ` + t + ` WHERE sid = $1`,
		pruneSQL:      `DELETE FROM ` + t + ` WHERE expire < to_timestamp($1)`,
		lockSQL:       `SELECT sess, expire >= to_timestamp($2) FROM ` + t + ` WHERE sid = $1 FOR UPDATE`,
		insertLockSQL: `INSERT INTO ` + t + ` (sess, expire, sid) VALUES ('{}', to_timestamp($1), $2) ON CONFLICT (sid) DO NOTHING RETURNING sid`,
		updateSQL:     `UPDATE ` + t + ` SET sess = $1, expire = to_timestamp($2) WHERE sid = $3`,
		casSQL: `UPDATE ` + t + ` SET sess = $1, expire = to_timestamp($2) WHERE sid = $3` +
			` AND expire >= to_timestamp($4) AND sess::text = $5`,
		userKey:   opts.UserKey,
		userIndex: userIndexName(opts.TableName, opts.UserKey),
		usersSQL: `SELECT sid, sess, expire::timestamptz FROM ` + t + ` WHERE ` + userExpr(opts.UserKey) +
			` = $1 AND expire >= to_timestamp($2)`,
	}
	if opts.CreateTable {
		if err := s.createTable(ctx); err != nil {
			return nil, fmt.Errorf("pgstore.New: create table %s: %w", t, err)
		}
	}
	if err := s.ensureIndex(ctx); err != nil {
		return nil, fmt.Errorf("pgstore.New: create user index on %s: %w", t, err)
	}
	if opts.PruneInterval > 0 {
		var pctx context.Context
		pctx, s.cancel = context.WithCancel(context.Background())
		s.done = make(chan struct{})
		go s.pruneEvery(pctx, opts.PruneInterval)
	}
	return s, nil
}

// createTable runs table.sql unless the table exists, as connect-pg-simple
// does (to_regclass of the quoted name). An advisory lock serializes Go
// processes creating the same table; a creation that loses a race with
// another client (a Node app) succeeds when the table is there after all.
func (s *Store) createTable(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sessionkit/pgstore:' || $1::text))`, s.table); err != nil {
			return err
		}
		exists, err := s.tableExists(ctx, tx)
		if err != nil || exists {
			return err
		}
		_, err = tx.Exec(ctx, strings.ReplaceAll(tableSQL, `"session"`, s.table))
		return err
	})
	if err == nil {
		return nil
	}
	if exists, err2 := s.tableExists(ctx, s.pool); err2 == nil && exists {
		return nil // created concurrently by another client
	}
	return err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) tableExists(ctx context.Context, q querier) (bool, error) {
	var exists bool
	err := q.QueryRow(ctx, `SELECT to_regclass($1::text) IS NOT NULL`, s.table).Scan(&exists)
	return exists, err
}

// Get returns the record under id and its expiry, from one query, or an
// error wrapping session.ErrNotFound when there is none or it has
// expired. A row whose sess is not JSON is deleted and reported as not
// found, as connect-pg-simple does.
func (s *Store) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	var sess []byte
	var exp time.Time
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		return c.QueryRow(ctx, s.getSQL, id, nowSeconds()).Scan(&sess, &exp)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, time.Time{}, session.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("pgstore: get: %w", err)
	}
	if !json.Valid(sess) {
		if err := s.del(ctx, id); err != nil {
			return nil, time.Time{}, fmt.Errorf("pgstore: get: deleting a record that is not JSON: %w", err)
		}
		return nil, time.Time{}, fmt.Errorf("pgstore: get: record is not JSON, deleted: %w", session.ErrNotFound)
	}
	return sess, exp, nil
}

// Set stores record under id until expires (rounded up to the second, as
// connect-pg-simple stores it), replacing any record there. A record whose
// expiry has already passed is deleted instead.
func (s *Store) Set(ctx context.Context, id string, record []byte, expires time.Time) error {
	if !time.Now().Before(expires) {
		if err := s.del(ctx, id); err != nil {
			return fmt.Errorf("pgstore: set: %w", err)
		}
		return nil
	}
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, s.setSQL, string(record), ceilSeconds(expires), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: set: %w", err)
	}
	return nil
}

// Touch moves the expiry of the record under id without rewriting it. A
// missing or already expired record is not an error and stays gone (unlike
// connect-pg-simple's touch, which would revive an expired row not pruned
// yet); a Touch to an expiry already past deletes the record.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if !time.Now().Before(expires) {
		if err := s.del(ctx, id); err != nil {
			return fmt.Errorf("pgstore: touch: %w", err)
		}
		return nil
	}
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, s.touchSQL, ceilSeconds(expires), id, nowSeconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: touch: %w", err)
	}
	return nil
}

// Destroy deletes the record under id. Deleting a missing record is not an
// error.
func (s *Store) Destroy(ctx context.Context, id string) error {
	if err := s.del(ctx, id); err != nil {
		return fmt.Errorf("pgstore: destroy: %w", err)
	}
	return nil
}

func (s *Store) del(ctx context.Context, id string) error {
	return s.run(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, s.delSQL, id)
		return err
	})
}

// Patch applies p to the live record under id (a missing or expired one is
// an empty record) and stores the result until expires. It first tries
// one statement: apply p to the record the session last saw (p.Base) and
// UPDATE the row only if it still holds exactly that. Otherwise (another
// request wrote since) it works in one transaction holding the row's lock (SELECT ... FOR UPDATE), so that
// concurrent patches of one session, from any number of processes, all
// take effect. A missing row is inserted (INSERT ... ON CONFLICT DO
// NOTHING, which takes the lock too, or waits for a concurrent insert and
// then locks that row), so that concurrent patches of a new ID serialize
// as well. It returns the merged record, or, when p.Apply fails, its error
// (wrapping session.ErrCorruptRecord or session.ErrNotInteger) with
// nothing written.
func (s *Store) Patch(ctx context.Context, id string, p *session.Patch, expires time.Time) (merged []byte, err error) {
	// Patches of one session in this process take turns, each with the
	// record the previous one wrote as its base: under concurrency the
	// compare-and-set then succeeds, and no transaction holds the row.
	e, err := s.locks.Lock(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: patch: %w", err)
	}
	defer func() {
		e.Last = nil
		if err == nil {
			e.Last = merged
		}
		s.locks.Unlock(id, e)
	}()
	base := p.Base()
	if e.Last != nil {
		base = e.Last
	}
	if merged, ok, err := s.patchBase(ctx, id, p, base, expires); ok || err != nil {
		return merged, err
	}
	return s.patchTx(ctx, id, p, expires)
}

// patchTx is Patch in a transaction holding the row's lock.
func (s *Store) patchTx(ctx context.Context, id string, p *session.Patch, expires time.Time) ([]byte, error) {
	var merged []byte
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
		cur, err := s.lockRow(ctx, tx, id, expires)
		if err != nil {
			return err
		}
		if merged, err = p.Apply(cur); err != nil {
			return noRetry{err}
		}
		if time.Now().Before(expires) {
			_, err = tx.Exec(ctx, s.updateSQL, string(merged), ceilSeconds(expires), id)
		} else {
			_, err = tx.Exec(ctx, s.delSQL, id)
		}
		if err != nil {
			return err
		}
		// A COMMIT that fails on a broken connection may have taken
		// effect: running the patch again could apply it twice.
		if err := tx.Commit(ctx); err != nil {
			return noRetry{err}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: patch: %w", err)
	}
	return merged, nil
}

// patchBase is Patch's fast path, a compare-and-set in one statement: it
// applies p to base (p.Base, or what this process last wrote) and writes
// the result if the live row still holds base. It reports false, with no error, when that does not apply (no
// base, a patch that does not apply to it, a row that changed or is gone,
// an expiry already past), for the transaction to decide. A statement
// that may have reached the server is not sent again: it may have taken
// effect.
func (s *Store) patchBase(ctx context.Context, id string, p *session.Patch, base []byte, expires time.Time) ([]byte, bool, error) {
	if base == nil || !time.Now().Before(expires) {
		return nil, false, nil
	}
	merged, err := p.Apply(base)
	if err != nil {
		return nil, false, nil // perhaps only the guess was wrong: read the row
	}
	var tag pgconn.CommandTag
	err = s.run(ctx, func(c *pgxpool.Conn) error {
		var err error
		tag, err = c.Exec(ctx, s.casSQL, string(merged), ceilSeconds(expires), id, nowSeconds(), string(base))
		if err != nil && !pgconn.SafeToRetry(err) {
			return noRetry{err}
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: patch: %w", err)
	}
	return merged, tag.RowsAffected() == 1, nil
}

// lockRow locks the row under id in tx and returns its record, or nil when
// it is missing or expired. A missing row is inserted (a placeholder the
// caller overwrites) so that the lock exists.
func (s *Store) lockRow(ctx context.Context, tx pgx.Tx, id string, expires time.Time) ([]byte, error) {
	for {
		var (
			cur  []byte
			live bool
		)
		err := tx.QueryRow(ctx, s.lockSQL, id, nowSeconds()).Scan(&cur, &live)
		if err == nil {
			if !live {
				cur = nil
			}
			return cur, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		// No row: insert one, which locks it. When a concurrent
		// transaction inserts it first, the INSERT waits for it and does
		// nothing, and the SELECT FOR UPDATE, run again, sees the row it
		// committed (or nothing, if it was rolled back or deleted: insert
		// again).
		var sid string
		err = tx.QueryRow(ctx, s.insertLockSQL, ceilSeconds(expires), id).Scan(&sid)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// Prune deletes every expired row now, with connect-pg-simple's
// pruneSessions statement, and returns how many it deleted. The background
// pruner calls it; tests and cron jobs may too.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	var n int64
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		tag, err := c.Exec(ctx, s.pruneSQL, nowSeconds())
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: prune: %w", err)
	}
	return n, nil
}

// Close stops the pruner and waits for a prune in progress to end (it is
// cancelled). It does not close the pool; the Store keeps answering calls.
// Close is safe to call more than once.
func (s *Store) Close() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	<-s.done
	return nil
}

// pruneEvery prunes after waits drawn between 50% and 150% of d, until
// ctx is cancelled by Close.
func (s *Store) pruneEvery(ctx context.Context, d time.Duration) {
	defer close(s.done)
	timer := time.NewTimer(jitter(d))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, pruneTimeout)
		n, err := s.Prune(pctx)
		pcancel()
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("pgstore: pruning expired sessions failed", "table", s.table, "err", err)
		case err == nil:
			s.log.Debug("pgstore: pruned expired sessions", "table", s.table, "deleted", n)
		}
		timer.Reset(jitter(d))
	}
}

// jitter returns a duration drawn uniformly between d/2 and 3d/2.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d+1)
}

// noRetry marks an error after which run must not try again.
type noRetry struct{ err error }

func (e noRetry) Error() string { return e.err.Error() }
func (e noRetry) Unwrap() error { return e.err }

// run calls f with a pooled connection. When f fails and leaves the
// connection closed while ctx is still live, the connection was dead
// before f used it (pgxpool pings only connections idle for over a
// second, so ones used just before a server restart are handed out
// unchecked): f runs again on another connection, at most once per
// connection the pool can hold. Only f's whose effect is the same when
// run twice may fail this way; others wrap their error in noRetry.
func (s *Store) run(ctx context.Context, f func(*pgxpool.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		err = f(c)
		dead := err != nil && c.Conn().IsClosed()
		c.Release()
		var nr noRetry
		if errors.As(err, &nr) {
			return nr.err
		}
		if !dead || !connLost(err) || attempt >= s.maxAttempts || ctx.Err() != nil {
			return err
		}
	}
}

// connLost reports whether err is the failure of a connection rather than
// of the statement: a network error, or the server terminating the
// session (SQLSTATE class 57: admin shutdown, crash shutdown, cannot
// connect now).
func connLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "57P")
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// nowSeconds is connect-pg-simple's currentTimestamp: the current Unix
// time in seconds, rounded up.
func nowSeconds() float64 { return ceilSeconds(time.Now()) }

// ceilSeconds is t in Unix seconds rounded up, as connect-pg-simple
// computes expire from cookie.expires.
func ceilSeconds(t time.Time) float64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return float64(sec)
}
