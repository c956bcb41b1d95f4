package faulttest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/session/internal/testenv"
)

// TestCrashPostgres crashes the PostgreSQL server under cmd/visits
// (pg_ctl stop -m immediate) at random moments under load from many
// clients, and starts it again while cmd/visits keeps running: requests
// during the outage must be answered 503 (none hangs: Stats.Hung), and
// service must resume without restarting cmd/visits. One more round kills
// cmd/visits itself (SIGKILL) instead. After every round and at the end,
// for every session, acknowledged ≤ count ≤ sent, through the app and
// directly in the table.
func TestCrashPostgres(t *testing.T) {
	rounds := 3
	if Long() {
		rounds = 30
	}
	rng := rand.New(rand.NewPCG(Seed(t), 0))
	pg := testenv.StartPostgres(t)
	// The throwaway server does not wait for the WAL at commit
	// (synchronous_commit=off); PostgreSQL's default does, and with it a
	// commit survives a server crash.
	pg.DurableCommits(t)
	v := StartVisits(t, VisitsOptions{Args: []string{"-store", pg.URL()}})
	l := StartLoad(t, LoadOptions{URL: v.URL(), Clients: crashClients})

	crashRounds(t, l, rng, rounds, "PostgreSQL crash", func() {
		before := l.Total()
		pg.Crash(t)
		// The outage is seen: the clients' requests are answered 503 (a
		// request that fails otherwise counts as Failed and OtherStatus,
		// checked below).
		if !l.Wait(roundTimeout, func() bool { return l.Total().Unavailable >= before.Unavailable+crashClients }) {
			t.Fatalf("no 503s during the PostgreSQL outage within %v: %+v", roundTimeout, l.Total())
		}
		pg.Start(t)
	})
	pgTotal := l.Total()
	if pgTotal.Failed != 0 || pgTotal.OtherStatus != 0 {
		t.Errorf("during the PostgreSQL crashes cmd/visits answered %d requests with neither 200 nor 503, and %d failed without an answer; want 503s only: %v",
			pgTotal.OtherStatus, pgTotal.Failed, pgTotal.Violations)
	}
	t.Logf("PostgreSQL crashes: %d requests answered 503, the slowest failure took %v (StoreTimeout is 5s)",
		pgTotal.Unavailable, pgTotal.MaxFailWait.Round(time.Millisecond))

	crashRounds(t, l, rng, 1, "SIGKILL of cmd/visits", func() {
		v.Kill()
		v.Start()
	})

	verifyCrashes(t, l)

	// The table itself, with the app stopped: every session holds the
	// count its client last had acknowledged.
	v.Stop()
	checkPostgresTable(t, pg.URL(), l)
}

// checkPostgresTable checks that every session of l holds, in the
// connect-pg-simple table "session" of the database at url, the count its
// client last had acknowledged.
func checkPostgresTable(t *testing.T, url string, l *Load) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for i, s := range l.Stats() {
		if s.Token == "" {
			continue
		}
		var rec []byte
		if err := c.QueryRow(ctx, `SELECT sess::text FROM "session" WHERE sid = $1`, tokenID(t, s.Token)).Scan(&rec); err != nil {
			t.Errorf("client %d: reading its session from the table: %v", i, err)
			continue
		}
		if n := recordVisits(t, rec); n != s.Last {
			t.Errorf("client %d: the table holds %d visits, the app last acknowledged %d (acknowledged %d, sent %d)",
				i, n, s.Last, s.Acked, s.Sent)
		}
	}
}
