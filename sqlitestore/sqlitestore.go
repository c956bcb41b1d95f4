package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/session"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultSweepInterval is how often expired records are deleted when
// Options.SweepInterval is zero.
const DefaultSweepInterval = 5 * time.Minute

// BusyTimeout is how long a statement waits for a lock held by another
// connection (another process or Store on the same file) before it fails
// with SQLITE_BUSY.
const BusyTimeout = 5 * time.Second

// sweepBatch bounds how many rows one DELETE of a sweep removes, so a
// large sweep does not hold the write lock for long.
const sweepBatch = 1000

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// SweepInterval is the time between background deletions of expired
	// records. Zero means DefaultSweepInterval; a negative value disables
	// the sweeper (call Sweep yourself, or let the rows accumulate:
	// expired records are never returned either way).
	SweepInterval time.Duration
	// Logger receives the sweeper's failures (Warn) and counts (Debug).
	// Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time, against which expiries are compared;
	// tests set it to control expiry. Nil means time.Now.
	Now func() time.Time
	// UserKey is the session key a sign-in is kept under, for
	// UserSessions and its index; empty means session.DefaultUserKey
	// ("passport"). Give the Manager's Options.UserKey when it is not the
	// default. It may not contain a double quote (SQLite's JSON paths
	// cannot quote one).
	UserKey string
	// Durable makes every commit durable across a crash of the machine or
	// a power loss, not only across a crash of the process: SQLite syncs
	// the write-ahead log to the disk before a write returns
	// (synchronous=FULL instead of NORMAL). A write then waits for the
	// disk: BenchmarkPatch on a busy 2-core machine with a virtual disk
	// (ext4) went from 0.11-0.2 ms to 0.8-1.5 ms a write, about 8 times
	// slower, the fsync of every commit. Writes waiting together share a
	// commit (see the package documentation), so concurrent writers share
	// its fsync: BenchmarkParallelPatch/one-durable, 64 goroutines
	// patching one session, went from 0.25-1 ms a write with a commit
	// each to 7-9 µs. Reads are not affected.
	Durable bool
}

// Store is a session.Store, session.Toucher, session.Patcher and
// session.UserIndex backed by a SQLite database file. It is safe for
// concurrent use. Every method returns an error wrapping the context's
// error when ctx is done before it completes (for a write: before the
// writer takes it into a batch; nothing is written then), and an error
// wrapping the driver's error when SQLite fails. Error messages never
// contain session IDs.
type Store struct {
	w, r *sql.DB // w: the one writing connection; r: read-only pool
	// Statements of the hot path, prepared once (SQLite's prepare costs
	// as much as a small query).
	get, put, cas, touch *sql.Stmt
	wget, del            *sql.Stmt // on the writer, for the batches
	users                *sql.Stmt // UserSessions, on the readers
	userKey              string
	usersSQL             string // the query of users, on the index
	now                  func() time.Time
	log                  *slog.Logger

	q queue // the writes waiting for the writer goroutine
	// The writer goroutine's own state.
	last  map[string][]byte // the records the last batch wrote
	rows  []row             // the rows of runTx
	index map[string]int    // session ID to its index in rows

	stop    context.CancelFunc // stops the sweeper; nil without one
	done    chan struct{}      // closed when the sweeper has returned
	closing sync.Once
	closed  error
}

// Open opens the SQLite database at path, creating the file (mode 0600)
// and its missing parent directories (mode 0700) when needed (existing
// ones keep their mode), switches it to WAL mode, creates the sessions
// table and its index if missing, and starts the sweeper unless o
// disables it. The caller must Close the Store.
//
// Open returns an error, and holds nothing open (directories or an empty
// file it created stay), when path is empty or ":memory:" (a Store needs
// a file), when the directory or file cannot be created or opened for
// writing, when the file is not a SQLite database (the error then wraps
// the driver's "file is not a database"), when it holds a sessions
// table without the columns above, when o.UserKey contains a double
// quote, or when the index of signed-in users cannot be built. path may
// contain any characters; it is not interpreted as a URI.
func Open(path string, o Options) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlitestore: open: path %q is not a database file path", path)
	}
	if o.UserKey == "" {
		o.UserKey = session.DefaultUserKey
	}
	if strings.ContainsRune(o.UserKey, '"') {
		return nil, fmt.Errorf("sqlitestore: open: UserKey %q contains a double quote", o.UserKey)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: create directory: %w", path, err)
	}
	// Create the file ourselves so that it, and the -wal and -shm files
	// SQLite gives the same mode, are private: they hold session data.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err) // names the file
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}

	busy := "busy_timeout(" + strconv.FormatInt(BusyTimeout.Milliseconds(), 10) + ")"
	sync := "synchronous(NORMAL)"
	if o.Durable {
		sync = "synchronous(FULL)"
	}
	w, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {busy, sync},
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := initSchema(w, o.UserKey); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {busy, "query_only(1)"},
	}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.Ping(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: readers: %w", path, err)
	}

	if o.SweepInterval == 0 {
		o.SweepInterval = DefaultSweepInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Store{w: w, r: r, now: o.Now, log: o.Logger, done: make(chan struct{}),
		userKey: o.UserKey, usersSQL: usersSQL(o.UserKey),
		last: map[string][]byte{}, index: map[string]int{},
		q: queue{wake: make(chan struct{}, 1), stopped: make(chan struct{})}}
	if err := s.prepare(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	go s.writeLoop()
	if o.SweepInterval > 0 {
		ctx, stop := context.WithCancel(context.Background())
		s.stop = stop
		go s.sweepEvery(ctx, o.SweepInterval)
	} else {
		close(s.done)
	}
	return s, nil
}

// prepare prepares the statements of the hot path.
func (s *Store) prepare() error {
	for _, st := range []struct {
		db  *sql.DB
		sql string
		to  **sql.Stmt
	}{
		{s.r, getSQL, &s.get},
		{s.w, upsert, &s.put},
		{s.w, casSQL, &s.cas},
		{s.w, touchSQL, &s.touch},
		{s.w, getSQL, &s.wget},
		{s.w, deleteSQL, &s.del},
		{s.r, s.usersSQL, &s.users},
	} {
		stmt, err := st.db.Prepare(st.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*st.to = stmt
	}
	return nil
}

const (
	getSQL    = "SELECT data, expires FROM sessions WHERE id = ? AND expires > ?"
	casSQL    = "UPDATE sessions SET data = ?, expires = ? WHERE id = ? AND expires > ? AND data = ?"
	touchSQL  = "UPDATE sessions SET expires = ? WHERE id = ? AND expires > ?"
	deleteSQL = "DELETE FROM sessions WHERE id = ?"
)

// dsn returns the driver's name for the file at the absolute path abs
// with the query q: a file: URI, so that no character of the path is
// taken for part of the query.
func dsn(abs string, q url.Values) string {
	p := filepath.ToSlash(abs)
	if p[0] != '/' {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
}

// initSchema connects w (which is where a file that is not a database is
// detected), creates the table if missing and checks it has the columns
// the Store uses, then switches the file to WAL mode (a persistent
// setting: the readers' connections find it in the file) and creates the
// indexes if missing: on expires, and on the user signed in under
// userKey (see userExpr). A database whose sessions table is someone
// else's is left as it was.
func initSchema(w *sql.DB, userKey string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*BusyTimeout)
	defer cancel()
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS sessions (
	id      TEXT PRIMARY KEY,
	data    BLOB NOT NULL,
	expires INTEGER NOT NULL
)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	rows, err := w.QueryContext(ctx, "SELECT id, data, expires FROM sessions LIMIT 0")
	if err != nil {
		return fmt.Errorf("existing sessions table has another schema: %w", err)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("set WAL mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, not wal (is the file on a file system without shared memory?)", mode)
	}
	if _, err := w.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires)"); err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	// On an existing file this builds the index over every row: the
	// migration of a database written before UserSessions existed.
	if _, err := w.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS "+userIndexName(userKey)+
		" ON sessions ("+userExpr(userKey)+")"); err != nil {
		return fmt.Errorf("create user index: %w", err)
	}
	return nil
}

// Get returns the live record under id and when the store forgets it,
// from one indexed read on a reader connection (no write transaction). It
// returns an error wrapping session.ErrNotFound when there is none or it
// has expired, and an error wrapping the context's or the driver's error
// when the read fails.
func (s *Store) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	var data []byte
	var exp int64
	err := s.get.QueryRowContext(ctx, id, s.now().UnixMilli()).Scan(&data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, session.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("sqlitestore: get: %w", err)
	}
	return data, time.UnixMilli(exp), nil
}

// Set stores record under id until expires, replacing any record there.
// An expiry that has already passed deletes the record instead. Like
// every write, it waits for the commit that holds it (see the package
// documentation on batches). It returns an error wrapping the context's
// error when ctx is done before the write is taken into a batch (nothing
// is written then), or wrapping the driver's error when the batch fails
// (nothing of it is written).
func (s *Store) Set(ctx context.Context, id string, record []byte, expires time.Time) error {
	return s.write(ctx, &op{kind: opSet, id: id, rec: record, exp: expires.UnixMilli()})
}

const upsert = `INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires`

// Touch moves the expiry of the live record under id to expires without
// rewriting it. A missing or already expired record is not an error and
// stays gone; an expiry already past deletes the record, as Set does. It
// returns errors as Set does.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	return s.write(ctx, &op{kind: opTouch, id: id, exp: expires.UnixMilli()})
}

// Patch applies p to the live record under id (none, or an expired one,
// is an empty record) with p.Apply, stores the result until expires (an
// expiry already past deletes the record), and returns it: the record
// right after this patch, the writes before it in its batch included.
// Concurrent patches of one session, from this Store or another process,
// all take effect, in the order their batches commit.
//
// Patches waiting together are applied in one batch (see the package
// documentation): the batch reads each session's row once, inside its
// IMMEDIATE transaction, applies the patches in turn to it in memory and
// writes it once. A batch of patches of one session first tries one
// statement instead: apply them to the record the previous batch wrote
// (or to the first patch's Base) and UPDATE the row only if it still
// holds exactly that.
//
// It returns an error wrapping p.Apply's error (session.ErrCorruptRecord,
// session.ErrNotInteger) when p does not apply to the record, which is
// left as the batch's other operations make it; an error wrapping
// session.ErrNotFound, writing nothing, when p has a base (the session
// was loaded from a record) and no live record is left under id (see
// session.Patcher); an error wrapping the
// context's error when ctx is done before the patch is taken into a batch
// (nothing is written then); or an error wrapping the driver's error when
// the batch fails (nothing of it is written).
func (s *Store) Patch(ctx context.Context, id string, p *session.Patch, expires time.Time) ([]byte, error) {
	o := &op{kind: opPatch, id: id, p: p, exp: expires.UnixMilli()}
	if err := s.write(ctx, o); err != nil {
		return nil, err
	}
	return o.merged, nil
}

// Destroy deletes the record under id. Deleting a missing record is not
// an error. It returns errors as Set does.
func (s *Store) Destroy(ctx context.Context, id string) error {
	return s.write(ctx, &op{kind: opDestroy, id: id})
}

// Len returns the number of records in the table, expired ones not swept
// yet included. It returns 0 and an error wrapping the context's or the
// driver's error when the count fails.
func (s *Store) Len(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlitestore: len: %w", err)
	}
	return n, nil
}

// Sweep deletes every expired record now, in batches so that other
// writes are not held up for long, and returns how many it deleted. The
// background sweeper calls it; tests and operators may too. On an error
// (wrapping the context's or the driver's) it returns the number deleted
// by the batches that completed before it.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE rowid IN
	(SELECT rowid FROM sessions WHERE expires <= ? LIMIT ?)`, s.now().UnixMilli(), sweepBatch)
		if err != nil {
			return total, fmt.Errorf("sqlitestore: sweep: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlitestore: sweep: %w", err)
		}
		total += int(n)
		if n < sweepBatch {
			return total, nil
		}
	}
}

// Close stops the sweeper (interrupting a sweep in progress), waits for
// it to return, lets the writer run the writes already queued and
// return, and closes the database. Later calls to the Store's methods
// return an error ("sql: database is closed"). Close may be
// called more than once; every call returns the first call's result: an
// error wrapping the driver's if closing the database failed.
func (s *Store) Close() error {
	s.closing.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		<-s.done
		s.stopWriter()
		for _, st := range []*sql.Stmt{s.get, s.put, s.cas, s.touch, s.wget, s.del, s.users} {
			st.Close() // closing the databases would end them too
		}
		if err := errors.Join(s.r.Close(), s.w.Close()); err != nil {
			s.closed = fmt.Errorf("sqlitestore: close: %w", err)
		}
	})
	return s.closed
}

// sweepEvery calls Sweep every d until ctx is cancelled.
func (s *Store) sweepEvery(ctx context.Context, d time.Duration) {
	defer close(s.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Sweep(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("sqlitestore: sweeping expired sessions failed", "deleted", n, "err", err)
			} else if n > 0 {
				s.log.Debug("sqlitestore: swept expired sessions", "deleted", n)
			}
		}
	}
}
