package pgstore_test

// A sign-in shared between Node and Go through one PostgreSQL table: the
// real passport 0.7 (req.login, req.logout, req.user) on express-session
// and connect-pg-simple 10, and Session.SignIn, SignOut and User on
// pgstore. The npm packages are pinned by
// testdata/passport/package-lock.json; `make deps` (or `npm ci --prefix
// testdata/passport`) installs them. The test fails, never skips, when
// Node, the packages or PostgreSQL are missing.
//
// The cases (package internal/passporttest) are the same as redisstore's; only
// the store and the way the test reads a stored record differ.

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session/internal/passporttest"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/pgstore"
)

func TestPassportConnectPgSimple(t *testing.T) {
	dir := testenv.NodeDir(t, "passport")
	dbURL := testenv.Postgres(t)
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool, err := pgxpool.New(c, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// Go creates connect-pg-simple's table; the Node app finds it.
	store, err := pgstore.New(c, pool, pgstore.Options{CreateTable: true, PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })

	secrets, _ := json.Marshal([]string{passporttest.Secret})
	node := testenv.StartNode(t, dir, "app.js", "SESSION_SECRETS="+string(secrets), "DATABASE_URL="+dbURL)
	passporttest.Run(t, node, store, func(t *testing.T, id string) (string, bool) {
		t.Helper()
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var raw string
		err := pool.QueryRow(c, `SELECT sess::text FROM "session" WHERE sid = $1`, id).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", false
		}
		if err != nil {
			t.Fatalf("reading the row of session %q: %v", id, err)
		}
		return raw, true
	})
}
