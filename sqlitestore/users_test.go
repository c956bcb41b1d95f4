package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sqlitestore"
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

// TestUserIndexPlan checks with EXPLAIN QUERY PLAN that UserSessions'
// query searches the index on the user, and never scans the table.
func TestUserIndexPlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	for _, key := range []string{session.DefaultUserKey, `it's a.b`} {
		open(t, path, sqlitestore.Options{UserKey: key, SweepInterval: -1})
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query("EXPLAIN QUERY PLAN "+sqlitestore.UsersSQL(key), "alice", time.Now().UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		db.Close()
		p := strings.Join(plan, "; ")
		if len(plan) != 1 || !strings.HasPrefix(p, "SEARCH sessions USING INDEX sessions_user_") || !strings.HasSuffix(p, "(<expr>=?)") {
			t.Errorf("UserKey %q: plan %q, want one SEARCH of the user index on the expression", key, p)
		}
	}
}

// TestUserIndexMigration opens a file written before the user index
// existed, holding rows another program inserted: Open builds the index,
// and UserSessions finds those rows, a number user by its JSON text.
func TestUserIndexMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	hour := time.Now().Add(time.Hour).UnixMilli()
	for _, q := range []string{
		`CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, expires INTEGER NOT NULL)`,
		`CREATE INDEX sessions_expires ON sessions (expires)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []struct {
		id, data string
		exp      int64
	}{
		{"s1", `{"cookie":{},"passport":{"user":"al\u0069ce"}}`, hour},
		{"s2", `{"cookie":{},"passport":{"user":"alice"},"visits":2}`, hour},
		{"n1", `{"cookie":{},"passport":{"user":42}}`, hour},
		{"n2", `{"cookie":{},"passport":{"user":"42"}}`, hour},
		{"old", `{"cookie":{},"passport":{"user":"alice"}}`, time.Now().Add(-time.Minute).UnixMilli()},
		{"anon", `{"cookie":{}}`, hour},
		{"out", `{"cookie":{},"passport":{}}`, hour},
		{"bad", `{"cookie":`, hour},
		{"obj", `{"cookie":{},"passport":{"user":{"id":"alice"}}}`, hour},
	} {
		if _, err := db.Exec(`INSERT INTO sessions VALUES (?, ?, ?)`, r.id, []byte(r.data), r.exp); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s := open(t, path, sqlitestore.Options{SweepInterval: -1})
	ctx := context.Background()
	for user, want := range map[string][]string{
		"alice": {"s1", "s2"}, // not the expired one, nor the object
		"42":    {"n1", "n2"}, // RecordUser gives "42" for both
		"nope":  nil,
		"":      nil,
	} {
		found, err := s.UserSessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(found); !slices.Equal(got, want) {
			t.Errorf("UserSessions(%q) = %q, want %q", user, got, want)
		}
		for _, f := range found {
			if d := time.Until(f.Expires); d < 59*time.Minute || d > time.Hour {
				t.Errorf("%s expires %v, want in an hour", f.ID, f.Expires)
			}
			if len(f.Record) == 0 {
				t.Errorf("%s: empty record", f.ID)
			}
		}
	}

	// The index exists now, and a write of a record that is not JSON
	// still succeeds (its user is NULL).
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'sessions_user_passport'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("user index: %d, %v", n, err)
	}
	if err := s.Set(ctx, "bad2", []byte("not JSON"), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Set of a record that is not JSON: %v", err)
	}
}

// TestUserKey lists by another key than Passport's, with characters that
// need quoting in SQL and in the JSON path, and refuses one with a
// double quote.
func TestUserKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	key := `it's a.b`
	s := open(t, path, sqlitestore.Options{UserKey: key})
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	if err := s.Set(ctx, "k", []byte(`{"cookie":{},"it's a.b":{"user":"alice"}}`), hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "p", []byte(`{"cookie":{},"passport":{"user":"alice"}}`), hour); err != nil {
		t.Fatal(err)
	}
	found, err := s.UserSessions(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(found); !slices.Equal(got, []string{"k"}) {
		t.Errorf("UserSessions under %q = %q, want [k]", key, got)
	}
	// A Store on the same file with the default key lists the other.
	d := open(t, path, sqlitestore.Options{})
	if found, err = d.UserSessions(ctx, "alice"); err != nil || !slices.Equal(ids(found), []string{"p"}) {
		t.Errorf("UserSessions under passport = %q, %v, want [p]", ids(found), err)
	}

	if _, err := sqlitestore.Open(filepath.Join(t.TempDir(), "q.db"), sqlitestore.Options{UserKey: `a"b`}); err == nil {
		t.Error(`Open with UserKey a"b succeeded`)
	}
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.UserSessions(c, "alice"); !errors.Is(err, context.Canceled) {
		t.Errorf("UserSessions with a cancelled context = %v", err)
	}
}
