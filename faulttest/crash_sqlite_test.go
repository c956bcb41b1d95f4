package faulttest

import (
	"context"
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/sqlitestore"

	_ "modernc.org/sqlite" // the "sqlite" driver, for PRAGMA integrity_check
)

// roundTimeout bounds each wait of a crash round (acknowledgements before
// a kill, service after a restart): a ceiling only a broken program
// reaches.
const roundTimeout = 3 * time.Minute

// crashClients is the number of concurrent clients of the crash tests.
const crashClients = 32

// crashRound is what one round of a crash test saw.
type crashRound struct {
	ackedRound int64 // increments acknowledged in the round before the crash
	inFlight   int   // requests sent and unanswered at the crash
	failed     int64 // requests that failed (transport error or 503) in the round
	lost       int64 // acknowledged increments found missing after the restart
}

// crashRounds runs rounds of: wait for a random number of acknowledged
// increments (event-driven, from rng), crash (which also restarts, or
// restores the service), then wait until every client has had an
// increment acknowledged after it: that answer's count is checked against
// what the client had acknowledged before, so an increment lost in the
// crash shows at once. It logs and returns each round's figures.
func crashRounds(t *testing.T, l *Load, rng *rand.Rand, rounds int, what string, crash func()) []crashRound {
	t.Helper()
	var out []crashRound
	for round := 1; round <= rounds; round++ {
		before := l.Total()
		start := l.Acked()
		target := start + 50 + rng.Int64N(600)
		if !l.WaitAcked(target, roundTimeout) {
			t.Fatalf("round %d: only %d of %d increments acknowledged within %v: %+v", round, l.Acked()-start, target-start, roundTimeout, l.Total())
		}
		inFlight := l.InFlight()
		ackedAtCrash := l.Acked()
		crash()
		snap := l.Stats()
		if !l.WaitEveryClientAcked(snap, roundTimeout) {
			t.Fatalf("round %d: service did not resume for every client within %v after the %s: %+v", round, roundTimeout, what, l.Total())
		}
		after := l.Total()
		r := crashRound{
			ackedRound: ackedAtCrash - start,
			inFlight:   inFlight,
			failed:     (after.Failed + after.Unavailable) - (before.Failed + before.Unavailable),
			lost:       after.Lost - before.Lost,
		}
		t.Logf("round %d: %s after %d acknowledged increments; %d requests in flight at the %s, %d failed around it; lost %d",
			round, what, r.ackedRound, r.inFlight, what, r.failed, r.lost)
		if r.lost != 0 || after.Replaced != before.Replaced {
			t.Errorf("round %d: acknowledged increments lost: %d (sessions replaced: %d); the violations so far: %s",
				round, r.lost, after.Replaced-before.Replaced, strings.Join(after.Violations, "; "))
		}
		out = append(out, r)
	}
	return out
}

// TestCrashSQLite kills cmd/visits on a SQLite store (SIGKILL) at random
// moments under load from many clients, restarts it on the same file, and
// checks that no acknowledged increment was lost: for every session,
// acknowledged ≤ count ≤ sent, through the app after every restart and at
// the end, and directly in the file, which must pass PRAGMA
// integrity_check.
func TestCrashSQLite(t *testing.T) {
	rounds := 5
	if Long() {
		rounds = 50
	}
	rng := rand.New(rand.NewPCG(Seed(t), 0))
	dir := t.TempDir()
	db := filepath.Join(dir, "sessions.db")
	v := StartVisits(t, VisitsOptions{Args: []string{"-store", "sqlite:" + db}, DataDir: dir})
	l := StartLoad(t, LoadOptions{URL: v.URL(), Clients: crashClients})

	crashRounds(t, l, rng, rounds, "SIGKILL", func() {
		v.Kill()
		v.Start()
	})

	verifyCrashes(t, l)

	// The file itself, with the app stopped: intact, and holding for every
	// session the count the final read acknowledged.
	v.Stop()
	checkSQLiteFile(t, db, l)
}

// checkSQLiteFile checks the SQLite file at path after the app stopped:
// PRAGMA integrity_check returns ok, and every session of l holds the
// count its client last had acknowledged.
func checkSQLiteFile(t *testing.T, path string, l *Load) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var res string
	if err := raw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	if res != "ok" {
		t.Errorf("PRAGMA integrity_check: %s", res)
	}

	st, err := sqlitestore.Open(path, sqlitestore.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, s := range l.Stats() {
		if s.Token == "" {
			continue
		}
		rec, _, err := st.Get(ctx, tokenID(t, s.Token))
		if err != nil {
			t.Errorf("client %d: reading its session from the file: %v", i, err)
			continue
		}
		if n := recordVisits(t, rec); n != s.Last {
			t.Errorf("client %d: the file holds %d visits, the app last acknowledged %d (acknowledged %d, sent %d)",
				i, n, s.Last, s.Acked, s.Sent)
		}
	}
}

// tokenID returns the session ID of a signed token, "s:ID.SIGNATURE".
func tokenID(t testing.TB, token string) string {
	t.Helper()
	id, ok := strings.CutPrefix(token, "s:")
	if i := strings.LastIndexByte(id, '.'); ok && i > 0 {
		return id[:i]
	}
	t.Fatalf("token %q is not s:ID.SIGNATURE", token)
	return ""
}

// recordVisits returns the "visits" value of an express-session record.
func recordVisits(t testing.TB, rec []byte) int64 {
	t.Helper()
	var v struct {
		Visits int64 `json:"visits"`
	}
	if err := json.Unmarshal(rec, &v); err != nil {
		t.Fatalf("record %q: %v", rec, err)
	}
	return v.Visits
}

// verifyCrashes is Verify for the crash tests: it logs the totals and
// fails on any answer that is neither 200 nor 503.
func verifyCrashes(t testing.TB, l *Load) {
	t.Helper()
	total := l.Verify(t)
	t.Logf("total: %d requests sent, %d increments acknowledged, %d failed (transport), %d 503s, %d lost",
		total.Sent, total.Acked, total.Failed, total.Unavailable, total.Lost)
	if total.OtherStatus != 0 {
		t.Errorf("%d answers neither 200 nor 503", total.OtherStatus)
	}
}
