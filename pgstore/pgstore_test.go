package pgstore_test

// These tests run against a real PostgreSQL: a throwaway server started
// by testenv (the Debian package `postgresql` must be installed), or the
// one SESSION_TEST_POSTGRES_URL names. They fail, never skip, without one.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/pgstore"
	"github.com/sessionkit/session/storetest"
)

const secret = "pgstore-test-secret-pgstore-test-secret"

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newPool returns a pool on url, closed at cleanup. configure, if not nil,
// adjusts its configuration.
func newPool(t *testing.T, url string, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newStore returns a Store closed at cleanup.
func newStore(t *testing.T, pool *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(testCtx(t), pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newID(t *testing.T) string {
	t.Helper()
	id, err := session.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The conformance suite, in pgx's query modes that encode parameters
// differently: PgBouncer in transaction mode, for one, needs the simple
// protocol or no prepared statements.
func TestConformance(t *testing.T) {
	url := testenv.Postgres(t)
	newStore(t, newPool(t, url, nil), pgstore.Options{CreateTable: true})
	for _, mode := range []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement, // the default: prepared statements
		pgx.QueryExecModeExec,           // untyped parameters
		pgx.QueryExecModeSimpleProtocol, // parameters as SQL literals
	} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := newPool(t, url, func(c *pgxpool.Config) { c.ConnConfig.DefaultQueryExecMode = mode })
			s := newStore(t, pool, pgstore.Options{})
			storetest.Run(t, func(*testing.T) session.Store { return s })
			t.Run("PatchNewID", func(t *testing.T) { patchNewID(t, s) })
		})
	}
}

// column is one column of a table as the catalog describes it.
type column struct {
	Name, Type, Collation string
	NotNull               bool
}

// tableShape is what matters of a table's definition: its columns, its
// constraints and its indexes, as PostgreSQL reports them.
type tableShape struct {
	Columns     []column
	Constraints []string
	Indexes     []string
	Options     []string
}

// describe returns the shape of table (a quoted, maybe qualified name).
func describe(t *testing.T, pool *pgxpool.Pool, table string) tableShape {
	t.Helper()
	ctx := testCtx(t)
	var sh tableShape
	rows, _ := pool.Query(ctx, `
		SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(co.collname, ''), a.attnotnull
		FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, table)
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.Name, &c.Type, &c.Collation, &c.NotNull)
		return c, err
	})
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	sh.Columns = cols
	rows, _ = pool.Query(ctx, `
		SELECT format('%s %s deferrable=%s deferred=%s', conname, pg_get_constraintdef(oid), condeferrable::text, condeferred::text)
		FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`, table)
	if sh.Constraints, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	// The definitions name the table; keep only what follows "ON".
	rows, _ = pool.Query(ctx, `
		SELECT regexp_replace(pg_get_indexdef(indexrelid), ' ON .* USING ', ' ON t USING ')
		FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`, table)
	if sh.Indexes, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = $1::regclass`, table).Scan(&sh.Options); err != nil {
		t.Fatal(err)
	}
	return sh
}

// wantShape is the table connect-pg-simple 10.0.0's table.sql creates,
// with the index on the user that New adds (checkShape adds it).
var wantShape = tableShape{
	Columns: []column{
		{Name: "sid", Type: "character varying", Collation: "default", NotNull: true},
		{Name: "sess", Type: "json", NotNull: true},
		{Name: "expire", Type: "timestamp(6) without time zone", NotNull: true},
	},
	Constraints: []string{"session_pkey PRIMARY KEY (sid) deferrable=false deferred=false"},
	Indexes: []string{
		`CREATE INDEX "IDX_session_expire" ON t USING btree (expire)`,
		`CREATE UNIQUE INDEX session_pkey ON t USING btree (sid)`,
	},
	Options: []string{},
}

// checkShape checks table has wantShape and the user index of s.
func checkShape(t *testing.T, pool *pgxpool.Pool, table string, s *pgstore.Store) {
	t.Helper()
	want := wantShape
	want.Indexes = append(slices.Clone(want.Indexes),
		`CREATE INDEX `+pgx.Identifier{pgstore.UserIndexName(s)}.Sanitize()+` ON t USING btree ((((sess -> 'passport'::text) ->> 'user'::text)))`)
	slices.Sort(want.Indexes)
	got := describe(t, pool, table)
	slices.Sort(got.Indexes)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("table %s:\n got %+v\nwant %+v", table, got, want)
	}
}

// The table is connect-pg-simple's; rows hold the record's JSON text and
// expire = to_timestamp(ceil(expiry)) in the connection's TimeZone;
// expired rows are pruned.
func TestTableAndFormat(t *testing.T) {
	url := testenv.Postgres(t)
	// A time zone other than the server's UTC, as a client may set: the
	// stored wall-clock time follows it, as with connect-pg-simple.
	ist := time.FixedZone("IST", 5*3600+30*60)
	pool := newPool(t, url, func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["timezone"] = "Asia/Kolkata" })
	ctx := testCtx(t)

	s := newStore(t, pool, pgstore.Options{CreateTable: true, PruneInterval: -1})
	checkShape(t, pool, `"session"`, s)
	// Again, on the existing table: a no-op.
	newStore(t, pool, pgstore.Options{CreateTable: true})

	// A schema, and a name that needs quoting.
	if _, err := pool.Exec(ctx, `CREATE SCHEMA "app ""x"""`); err != nil {
		t.Fatal(err)
	}
	odd := newStore(t, pool, pgstore.Options{SchemaName: `app "x"`, TableName: `web "sessions"`, CreateTable: true, PruneInterval: -1})
	checkShape(t, pool, `"app ""x"""."web ""sessions"""`, odd)
	id := newID(t)
	if err := odd.Set(ctx, id, []byte(`{"cookie":{},"n":1}`), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, err := odd.Get(ctx, id); err != nil || string(got) != `{"cookie":{},"n":1}` {
		t.Fatalf("Get from the quoted table: %s, %v", got, err)
	}

	t.Run("row", func(t *testing.T) {
		id := newID(t)
		rec := []byte(`{"cookie":{"originalMaxAge":60000,"expires":"2030-01-02T03:04:05.678Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1, "u":"é"}`)
		expires := time.Now().Add(90 * time.Minute)
		if err := s.Set(ctx, id, rec, expires); err != nil {
			t.Fatal(err)
		}
		var (
			text    string
			wall    time.Time // timestamp without time zone: a wall clock
			instant time.Time
		)
		err := pool.QueryRow(ctx, `SELECT sess::text, expire, expire::timestamptz FROM "session" WHERE sid = $1`, id).Scan(&text, &wall, &instant)
		if err != nil {
			t.Fatal(err)
		}
		if text != string(rec) {
			t.Errorf("sess = %s, want the record as written: %s", text, rec)
		}
		if d := instant.Sub(expires); d < 0 || d >= time.Second {
			t.Errorf("expire = %v, %v after the expiry %v; want rounded up to the second", instant, d, expires)
		}
		want := time.Unix(instant.Unix(), 0).In(ist).Format(time.DateTime)
		if got := wall.Format(time.DateTime); got != want {
			t.Errorf("expire column holds %s, want %s: the expiry in the connection's TimeZone", got, want)
		}
		if instant.Nanosecond() != 0 {
			t.Errorf("expire %v has a fraction of a second", instant)
		}

		// Touch moves expire only.
		if err := s.Touch(ctx, id, expires.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var text2 string
		var instant2 time.Time
		pool.QueryRow(ctx, `SELECT sess::text, expire::timestamptz FROM "session" WHERE sid = $1`, id).Scan(&text2, &instant2)
		if text2 != text || instant2.Sub(instant) != time.Hour {
			t.Errorf("after Touch: %s, expire moved by %v; want the same sess, one hour", text2, instant2.Sub(instant))
		}
	})

	t.Run("prune", func(t *testing.T) {
		expired, live := newID(t), newID(t)
		if _, err := pool.Exec(ctx, `INSERT INTO "session" (sid, sess, expire) VALUES ($1, '{}', to_timestamp($2))`,
			expired, time.Now().Add(-time.Minute).Unix()); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, live, []byte(`{}`), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, expired); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Get of an expired row: %v", err)
		}
		n, err := s.Prune(ctx)
		if err != nil || n < 1 {
			t.Fatalf("Prune = %d, %v", n, err)
		}
		if rows(t, pool, expired) != 0 || rows(t, pool, live) != 1 {
			t.Fatal("Prune deleted the wrong rows")
		}

		// The background pruner, on a short interval.
		if _, err := pool.Exec(ctx, `INSERT INTO "session" (sid, sess, expire) VALUES ($1, '{}', to_timestamp($2))`,
			expired, time.Now().Add(-time.Minute).Unix()); err != nil {
			t.Fatal(err)
		}
		p := newStore(t, pool, pgstore.Options{PruneInterval: 50 * time.Millisecond})
		deadline := time.Now().Add(60 * time.Second)
		for rows(t, pool, expired) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the pruner did not delete the expired row within 60s")
			}
			time.Sleep(20 * time.Millisecond) // polling the server for the pruner's effect
		}
		if rows(t, pool, live) != 1 {
			t.Fatal("the pruner deleted a live row")
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := s.Close(); err != nil { // no pruner
			t.Fatal(err)
		}
	})

	t.Run("not JSON", func(t *testing.T) {
		// A hand-made table whose sess is text can hold what is not JSON:
		// connect-pg-simple deletes such a row and reports no session.
		if _, err := pool.Exec(ctx, `CREATE TABLE texts (sid varchar PRIMARY KEY, sess text NOT NULL, expire timestamp(6) NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		ts := newStore(t, pool, pgstore.Options{TableName: "texts", PruneInterval: -1})
		id := newID(t)
		if _, err := pool.Exec(ctx, `INSERT INTO texts VALUES ($1, '{"cookie":', now() + interval '1 hour')`, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ts.Get(ctx, id); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Get of a row that is not JSON: %v, want ErrNotFound", err)
		}
		var n int
		pool.QueryRow(ctx, `SELECT count(*) FROM texts WHERE sid = $1`, id).Scan(&n)
		if n != 0 {
			t.Fatal("the row that is not JSON was kept")
		}
	})

	t.Run("missing table", func(t *testing.T) {
		// The database's error, naming the operation, never the ID.
		ms := newStore(t, pool, pgstore.Options{TableName: "nope", PruneInterval: -1})
		id := newID(t)
		for name, err := range map[string]error{
			"get":     func() error { _, _, err := ms.Get(ctx, id); return err }(),
			"set":     ms.Set(ctx, id, []byte(`{}`), time.Now().Add(time.Hour)),
			"touch":   ms.Touch(ctx, id, time.Now().Add(time.Hour)),
			"destroy": ms.Destroy(ctx, id),
			"patch": func() error {
				_, err := ms.Patch(ctx, id, storetest.NewPatch(nil, nil, nil), time.Now().Add(time.Hour))
				return err
			}(),
			"prune":         func() error { _, err := ms.Prune(ctx); return err }(),
			"user sessions": func() error { _, err := ms.UserSessions(ctx, "alice"); return err }(),
		} {
			if err == nil || errors.Is(err, session.ErrNotFound) || !strings.HasPrefix(err.Error(), "pgstore: "+name+": ") ||
				!strings.Contains(err.Error(), `"nope"`) || strings.Contains(err.Error(), id) {
				t.Errorf("%s on a missing table: %v", name, err)
			}
		}
		if _, err := pgstore.New(ctx, nil, pgstore.Options{}); err == nil {
			t.Error("New with a nil pool succeeded")
		}
	})
}

func rows(t *testing.T, pool *pgxpool.Pool, id string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(testCtx(t), `SELECT count(*) FROM "session" WHERE sid = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// patchNewID checks that concurrent patches of an ID no row holds yet
// serialize (none is lost), and that a patch that cannot apply writes
// nothing.
func patchNewID(t *testing.T, s *pgstore.Store) {
	ctx := testCtx(t)
	for range 5 {
		id := newID(t)
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := s.Patch(ctx, id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := s.Get(ctx, id)
		if err != nil || !bytes.Contains(got, []byte(`"visits":`+strconv.Itoa(n))) {
			t.Fatalf("after %d concurrent patches of a new ID: %s, %v", n, got, err)
		}
	}
	// A patch that cannot apply writes nothing.
	id := newID(t)
	if err := s.Set(ctx, id, []byte(`{"cookie":{},"visits":"many"}`), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Patch(ctx, id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour)); !errors.Is(err, session.ErrNotInteger) {
		t.Fatalf("Patch incrementing a string: %v, want ErrNotInteger", err)
	}
	if got, _, _ := s.Get(ctx, id); string(got) != `{"cookie":{},"visits":"many"}` {
		t.Fatalf("record after a failed patch: %s", got)
	}
}

// visitCounter counts visits in the session, as the Node apps do, and
// answers {id, visits}.
var visitCounter = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n, err := s.Increment(r.Context(), "visits", 1)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": s.ID(), "visits": n})
})

type visit struct {
	ID     string `json:"id"`
	Visits int    `json:"visits"`
}

// serve runs one request through h with cookie and returns the response.
func serve(h http.Handler, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeVisit(t *testing.T, w *httptest.ResponseRecorder) visit {
	t.Helper()
	var v visit
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return v
}

// A PostgreSQL outage fails the requests with 503, each logged once, and
// the same Manager and pool carry on when the server is back, with the
// session intact.
func TestFaults(t *testing.T) {
	srv := testenv.StartPostgres(t)
	pool := newPool(t, srv.URL(), nil)
	store := newStore(t, pool, pgstore.Options{CreateTable: true, PruneInterval: -1})
	var logs testenv.LockedBuffer
	m, err := session.New(session.Options{
		Secrets: []string{secret},
		Store:   store,
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(visitCounter)

	first := serve(h, "")
	v := decodeVisit(t, first)
	cookie, _, _ := strings.Cut(first.Header().Get("Set-Cookie"), ";")
	if v.Visits != 1 || cookie == "" {
		t.Fatalf("first visit: %+v, cookie %q", v, cookie)
	}

	srv.Stop(t)
	const failed = 3
	for i := range failed {
		w := serve(h, cookie)
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("request %d while PostgreSQL is down: %d %s, want 503", i, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "pgstore") || strings.Contains(w.Body.String(), "connect") {
			t.Errorf("the 503 body shows internals: %q", w.Body)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=ERROR"); n != failed {
		t.Errorf("%d error lines for %d failed requests, want one each:\n%s", n, failed, out)
	}
	if n := strings.Count(out, "pgstore: get:"); n != failed || strings.Contains(out, v.ID) {
		t.Errorf("log: want the store's error in each line, and no session ID:\n%s", out)
	}
	if strings.Count(out, "\n") != failed {
		t.Errorf("log holds more than the errors:\n%s", out)
	}

	srv.Start(t)
	for want := 2; want <= 3; want++ {
		got := decodeVisit(t, serve(h, cookie))
		if got.ID != v.ID || got.Visits != want {
			t.Fatalf("after the restart: %+v, want the same session counting on to %d", got, want)
		}
	}

	// A restart with no request in between leaves the pool's connections
	// dead; pgxpool pings only those idle for over a second, so the store
	// must notice and use fresh ones, without failing a request.
	srv.Stop(t)
	srv.Start(t)
	got := decodeVisit(t, serve(h, cookie))
	if got.ID != v.ID || got.Visits != 4 {
		t.Fatalf("after a quick restart: %+v, want visits 4", got)
	}

	// The same with pinging off: every pooled connection is dead, and
	// every operation still succeeds first time.
	unpinged := newPool(t, srv.URL(), func(c *pgxpool.Config) {
		c.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	})
	s2 := newStore(t, unpinged, pgstore.Options{PruneInterval: -1})
	ctx := testCtx(t)
	ops := map[string]func(id string) error{
		"Get": func(id string) error { _, _, err := s2.Get(ctx, id); return err },
		"Set": func(id string) error {
			return s2.Set(ctx, id, []byte(`{"cookie":{},"visits":1}`), time.Now().Add(time.Hour))
		},
		"Touch": func(id string) error {
			return s2.Touch(ctx, id, time.Now().Add(2*time.Hour))
		},
		"Patch": func(id string) error {
			_, err := s2.Patch(ctx, id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
			return err
		},
		"Destroy": func(id string) error { return s2.Destroy(ctx, id) },
		"Prune":   func(string) error { _, err := s2.Prune(ctx); return err },
	}
	for name, op := range ops {
		id := newID(t)
		if err := s2.Set(ctx, id, []byte(`{"cookie":{},"visits":1}`), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		warm(t, unpinged)
		srv.Stop(t)
		srv.Start(t)
		if err := op(id); err != nil {
			t.Errorf("%s on a pool of dead connections: %v", name, err)
		}
	}
	if got := decodeVisit(t, serve(h, cookie)); got.Visits != 5 {
		t.Fatalf("final visit: %+v, want 5", got)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != failed {
		t.Errorf("errors logged after the outage:\n%s", logs.String())
	}
}

// warm fills the pool with as many open connections as it may hold.
func warm(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	var conns []*pgxpool.Conn
	for range pool.Config().MaxConns {
		c, err := pool.Acquire(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
}
