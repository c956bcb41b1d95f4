package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/pgstore"
)

// ids returns the sorted IDs of found.
func ids(found []session.StoredSession) []string {
	var out []string
	for _, f := range found {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

// A table connect-pg-simple created and a Node app filled, before any Go
// store opened it: New builds the index over the rows already there,
// UserSessions finds the rows the Node app wrote (connect-pg-simple's
// statement and record shape, a number user as its JSON text), and
// EXPLAIN shows the query searching that index, not scanning the table.
func TestUserIndexOnNodeTable(t *testing.T) {
	url := testenv.Postgres(t)
	pool := newPool(t, url, nil)
	ctx := testCtx(t)
	// connect-pg-simple's table.sql, run by hand as its README says.
	if _, err := pool.Exec(ctx, `CREATE TABLE "session" ("sid" varchar NOT NULL COLLATE "default", "sess" json NOT NULL, "expire" timestamp(6) NOT NULL) WITH (OIDS=FALSE);
ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;
CREATE INDEX "IDX_session_expire" ON "session" ("expire");`); err != nil {
		t.Fatal(err)
	}
	// connect-pg-simple's set: its statement, JSON.stringify's record,
	// expire in whole seconds.
	nodeSet := func(sid, sess string, expires time.Time) {
		t.Helper()
		if _, err := pool.Exec(ctx, `INSERT INTO "session" (sess, expire, sid) SELECT $1, to_timestamp($2), $3 ON CONFLICT (sid) DO UPDATE SET sess=$1, expire=to_timestamp($2) RETURNING sid`,
			sess, expires.Unix()+1, sid); err != nil {
			t.Fatal(err)
		}
	}
	hour := time.Now().Add(time.Hour)
	cookie := `{"cookie":{"originalMaxAge":3600000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/"}`
	nodeSet("node-a", cookie+`,"passport":{"user":"alice"}}`, hour)
	nodeSet("node-n", cookie+`,"passport":{"user":42}}`, hour)
	nodeSet("node-s", cookie+`,"passport":{"user":"42"}}`, hour)
	nodeSet("node-old", cookie+`,"passport":{"user":"alice"}}`, time.Now().Add(-time.Hour))
	nodeSet("node-anon", cookie+`}`, hour)
	nodeSet("node-out", cookie+`,"passport":{}}`, hour)
	nodeSet("node-true", cookie+`,"passport":{"user":true}}`, hour)
	// Many other users, so that the planner has a table worth an index.
	if _, err := pool.Exec(ctx, `INSERT INTO "session" (sid, sess, expire)
		SELECT 'other-' || i, json_build_object('cookie', json_build_object('path', '/'), 'passport', json_build_object('user', 'user-' || i)), now() + interval '1 hour'
		FROM generate_series(1, 20000) i`); err != nil {
		t.Fatal(err)
	}

	s := newStore(t, pool, pgstore.Options{PruneInterval: -1}) // no CreateTable: the table is there
	if _, err := pool.Exec(ctx, `ANALYZE "session"`); err != nil {
		t.Fatal(err)
	}
	var def string
	if err := pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'session' AND indexname = $1`, pgstore.UserIndexName(s)).Scan(&def); err != nil {
		t.Fatalf("the user index %s is missing: %v", pgstore.UserIndexName(s), err)
	}

	// A Go session of alice beside the Node ones.
	if err := s.Set(ctx, "go-a", []byte(cookie+`,"passport":{"user":"alice"}}`), hour); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string][]string{
		"alice":      {"go-a", "node-a"},   // not the expired one
		"42":         {"node-n", "node-s"}, // RecordUser gives "42" for both
		"user-12345": {"other-12345"},
		"true":       nil, // a user that is not a string nor a number
		"nobody":     nil,
		"":           nil,
	} {
		found, err := s.UserSessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(found); !slices.Equal(got, want) {
			t.Errorf("UserSessions(%q) = %q, want %q", user, got, want)
		}
		for _, f := range found {
			if d := time.Until(f.Expires); d < 59*time.Minute || d > time.Hour+2*time.Second {
				t.Errorf("%s expires %v, want in an hour", f.ID, f.Expires)
			}
			if u, ok := session.RecordUser(f.Record, session.DefaultUserKey); !ok || u != user {
				t.Errorf("%s: record %s is not %q's", f.ID, f.Record, user)
			}
		}
	}

	// The plan of the store's own query, with its parameters.
	rows, err := pool.Query(ctx, "EXPLAIN "+pgstore.UsersSQL(s), "alice", float64(time.Now().Unix()))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	index := pgx.Identifier{pgstore.UserIndexName(s)}.Sanitize()
	if strings.Contains(plan, "Seq Scan") || !(strings.Contains(plan, "Index Scan using "+index) || strings.Contains(plan, "Bitmap Index Scan on "+index)) {
		t.Errorf("UserSessions' plan does not search %s:\n%s", index, plan)
	}
}

// Another UserKey, with characters that need quoting, gets an index of
// its own; the default key's sessions are not listed under it.
func TestUserKey(t *testing.T) {
	pool := newPool(t, testenv.Postgres(t), nil)
	ctx := testCtx(t)
	key := `it's a \ key`
	s := newStore(t, pool, pgstore.Options{CreateTable: true, PruneInterval: -1, UserKey: key})
	d := newStore(t, pool, pgstore.Options{PruneInterval: -1})
	if pgstore.UserIndexName(s) == pgstore.UserIndexName(d) {
		t.Fatalf("one index name %q for two keys", pgstore.UserIndexName(s))
	}
	hour := time.Now().Add(time.Hour)
	if err := s.Set(ctx, "k", []byte(`{"cookie":{},"it's a \\ key":{"user":"alice"}}`), hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "p", []byte(`{"cookie":{},"passport":{"user":"alice"}}`), hour); err != nil {
		t.Fatal(err)
	}
	for st, want := range map[*pgstore.Store][]string{s: {"k"}, d: {"p"}} {
		found, err := st.UserSessions(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(found); !slices.Equal(got, want) {
			t.Errorf("UserSessions under the index %s = %q, want %q", pgstore.UserIndexName(st), got, want)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'session' AND indexname = ANY($1)`,
		[]string{pgstore.UserIndexName(s), pgstore.UserIndexName(d)}).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d user indexes (%v), want 2", n, err)
	}
	if _, err := pgstore.New(ctx, pool, pgstore.Options{UserKey: "a\x00b"}); err == nil {
		t.Error("New with a NUL in UserKey succeeded")
	}
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.UserSessions(c, "alice"); !errors.Is(err, context.Canceled) {
		t.Errorf("UserSessions with a cancelled context = %v", err)
	}
}

// A table created after New (by a Node app's createTableIfMissing) gets
// its index at the first UserSessions.
func TestUserIndexLate(t *testing.T) {
	pool := newPool(t, testenv.Postgres(t), nil)
	ctx := testCtx(t)
	s := newStore(t, pool, pgstore.Options{PruneInterval: -1})
	if _, err := s.UserSessions(ctx, "alice"); err == nil {
		t.Fatal("UserSessions on a missing table succeeded")
	}
	newStore(t, pool, pgstore.Options{CreateTable: true, PruneInterval: -1})
	if _, err := pool.Exec(ctx, `DROP INDEX `+pgx.Identifier{pgstore.UserIndexName(s)}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO "session" VALUES ('n', '{"cookie":{},"passport":{"user":"alice"}}', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	found, err := s.UserSessions(ctx, "alice")
	if err != nil || !slices.Equal(ids(found), []string{"n"}) {
		t.Fatalf("UserSessions = %q, %v, want [n]", ids(found), err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE indexname = $1`, pgstore.UserIndexName(s)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("user index after the first UserSessions: %d, %v", n, err)
	}
}
