package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/pgstore"
	"github.com/sessionkit/session/redisstore"
	"github.com/sessionkit/session/sqlitestore"
)

// usersLarge adds the case of 1,000,000 other sessions to
// BenchmarkUserSessions. bench/report.sh (make bench) sets it; the smoke
// run of make test does not, and stays fast.
var usersLarge = flag.Bool("users.large", false, "BenchmarkUserSessions: also list among 1,000,000 other sessions (slow to fill)")

// userSessionsOwn is how many sessions the listed user has.
const userSessionsOwn = 10

// usersFixture is a store filled for BenchmarkUserSessions, with fill,
// which adds the other sessions from..to-1 (IDs and users of their own)
// as fast as the store allows: not through the store's API, but in one
// transaction, COPY or pipeline of its server, except for memory.
type usersFixture struct {
	store session.Store
	fill  func(b *testing.B, from, to int)
}

// usersRecord returns a record signed in to user, as the Manager saves
// it after SignIn (a sign-in stamp and a visit count).
func usersRecord(user string) []byte {
	return []byte(`{"cookie":{"originalMaxAge":1209600000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/","sameSite":"lax"},` +
		`"__signin":{"at":1767225600000,"ua":"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"},"passport":{"user":` + strconv.Quote(user) + `},"visits":3}`)
}

// otherID and otherUser name the i-th other session and its user.
func otherID(i int) string   { return fmt.Sprintf("other-%08d-xxxxxxxxxxxxxxxxxxx", i) }
func otherUser(i int) string { return "user-" + strconv.Itoa(i) }

// usersFixtures open each store, empty, on a real server (or file) for b.
var usersFixtures = []struct {
	name string
	open func(b *testing.B) usersFixture
}{
	{"memory", func(b *testing.B) usersFixture {
		s := memstore.New(memstore.Options{Logger: quiet, MaxSessions: 2_000_000})
		b.Cleanup(func() { s.Close() })
		return usersFixture{s, func(b *testing.B, from, to int) {
			ctx, exp := context.Background(), time.Now().Add(2*time.Hour)
			for i := from; i < to; i++ {
				if err := s.Set(ctx, otherID(i), usersRecord(otherUser(i)), exp); err != nil {
					b.Fatal(err)
				}
			}
		}}
	}},
	{"sqlite", func(b *testing.B) usersFixture {
		path := filepath.Join(b.TempDir(), "s.db")
		s, err := sqlitestore.Open(path, sqlitestore.Options{Logger: quiet, SweepInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return usersFixture{s, func(b *testing.B, from, to int) {
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_txlock=immediate")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			defer tx.Rollback()
			st, err := tx.Prepare(`INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			exp := time.Now().Add(2 * time.Hour).UnixMilli()
			for i := from; i < to; i++ {
				if _, err := st.Exec(otherID(i), usersRecord(otherUser(i)), exp); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}}
	}},
	{"redis", func(b *testing.B) usersFixture {
		opt, err := redis.ParseURL(testenv.Redis(b))
		if err != nil {
			b.Fatal(err)
		}
		c := redis.NewClient(opt)
		b.Cleanup(func() { c.Close() })
		return usersFixture{redisstore.New(c, redisstore.Options{}), func(b *testing.B, from, to int) {
			// connect-redis's format, SET sess:ID JSON EX ttl, pipelined.
			// The other users' sets of the store's index are not filled:
			// listing one user reads that user's set alone.
			ctx := context.Background()
			const batch = 10_000
			for lo := from; lo < to; lo += batch {
				p := c.Pipeline()
				for i := lo; i < min(lo+batch, to); i++ {
					p.Set(ctx, redisstore.DefaultPrefix+otherID(i), usersRecord(otherUser(i)), 2*time.Hour)
				}
				if _, err := p.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}}
	}},
	{"postgres", func(b *testing.B) usersFixture {
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		s, err := pgstore.New(ctx, pool, pgstore.Options{CreateTable: true, Logger: quiet, PruneInterval: -1})
		if err != nil {
			pool.Close()
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close(); pool.Close() })
		return usersFixture{s, func(b *testing.B, from, to int) {
			// Two days ahead: live whatever the server's TimeZone, in
			// which expire is a wall-clock time.
			exp := time.Now().Add(48 * time.Hour)
			i := from
			n, err := pool.CopyFrom(ctx, pgx.Identifier{pgstore.DefaultTableName}, []string{"sid", "sess", "expire"},
				pgx.CopyFromFunc(func() ([]any, error) {
					if i == to {
						return nil, nil
					}
					i++
					return []any{otherID(i - 1), string(usersRecord(otherUser(i - 1))), exp}, nil
				}))
			if err != nil || n != int64(to-from) {
				b.Fatalf("COPY of %d rows: %d, %v", to-from, n, err)
			}
			if _, err := pool.Exec(ctx, `ANALYZE `+pgx.Identifier{pgstore.DefaultTableName}.Sanitize()); err != nil {
				b.Fatal(err)
			}
		}}
	}},
}

// BenchmarkUserSessions measures session.UserIndex.UserSessions on each
// store: list the 10 sessions of one user among 10,000 other sessions
// (10k) and, with -users.large (make bench), 1,000,000 (1M), each of
// another signed-in user. ns/op is one listing, records included. The
// user's sessions are written through the store (Set), so that an index
// the store keeps itself has them; the others are filled straight into
// the server, once per store and size (the 1M case adds to the 10k one).
// A store that does not implement session.UserIndex is skipped.
func BenchmarkUserSessions(b *testing.B) {
	sizes := []int{10_000}
	if *usersLarge {
		sizes = append(sizes, 1_000_000)
	}
	for _, st := range usersFixtures {
		b.Run(st.name, func(b *testing.B) {
			fx := st.open(b)
			ix, ok := fx.store.(session.UserIndex)
			if !ok {
				b.Skip("store does not implement session.UserIndex")
			}
			ctx := context.Background()
			user := "alice-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			for i := range userSessionsOwn {
				id := fmt.Sprintf("%s-%02d-xxxxxxxxxxxxxxxxxx", user, i)
				if err := fx.store.Set(ctx, id, usersRecord(user), time.Now().Add(2*time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			filled := 0
			for _, size := range sizes {
				fx.fill(b, filled, size)
				filled = size
				if _, _, err := fx.store.Get(ctx, otherID(size-1)); err != nil {
					b.Fatalf("the last other session filled: %v", err)
				}
				name := strconv.Itoa(size/1000) + "k"
				if size >= 1_000_000 {
					name = strconv.Itoa(size/1_000_000) + "M"
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						found, err := ix.UserSessions(ctx, user)
						if err != nil {
							b.Fatal(err)
						}
						if len(found) != userSessionsOwn {
							b.Fatalf("UserSessions found %d sessions, want %d", len(found), userSessionsOwn)
						}
					}
				})
			}
		})
	}
}
