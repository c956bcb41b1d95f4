package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	outFlag      = flag.String("e2e.out", "", "write the Markdown report here and run the full benchmark (default: the short smoke run)")
	durationFlag = flag.Duration("e2e.duration", 5*time.Second, "length of each wrk run (full run)")
	roundsFlag   = flag.Int("e2e.rounds", 3, "rounds, each loading every target in every scenario (full run)")
	lostFlag     = flag.Duration("e2e.lost", 10*time.Second, "length of the lost-updates run (full run)")
	connsFlag    = flag.Int("e2e.conns", 32, "wrk connections")
	threadsFlag  = flag.Int("e2e.threads", 1, "wrk threads")
)

// The scenarios: GET / counts the visit (written to the session), GET /me
// of a signed-in visitor reads the user and writes nothing.
var (
	writtenScenarios  = []string{"returning", "1,000 returning", "new visitor"}
	signedInScenarios = []string{"signed in", "1,000 signed in"}
)

// settings are one run's.
type settings struct {
	full           bool
	duration, lost time.Duration
	rounds, rotate int
	conns, threads int
	lostConns      int
	lostThreads    int
	targets        []target
	scenarios      []string
}

func currentSettings() settings {
	s := settings{full: *outFlag != "", duration: *durationFlag, rounds: *roundsFlag, lost: *lostFlag,
		rotate: 1000, conns: *connsFlag, threads: *threadsFlag, lostConns: 64, lostThreads: 2,
		scenarios: append(slices.Clone(writtenScenarios), signedInScenarios...)}
	for _, tg := range targets {
		if s.full || smokeTargets[tg.name] {
			s.targets = append(s.targets, tg)
		}
	}
	if !s.full { // the smoke run in `make test`: every step, briefly
		s.duration, s.rounds, s.lost, s.rotate = time.Second, 1, time.Second, 100
	}
	return s
}

// TestEndToEnd loads every target with wrk and reports requests per
// second as a ratio to the bare handler in the same round and scenario,
// then the lost updates under 64 connections on one session. Without
// -e2e.out it is a smoke run (bare, memory, sealed, SQLite; one second
// each, 100 visitors for the rotating scenarios) that fails on any error
// response or lost increment of a store, or a signed-in page that is not
// the one expected.
func TestEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is not installed (Debian: apt-get install wrk); `make bench` installs it")
	}
	s := currentSettings()
	e := newEnv(t, s.full)
	urls := make(map[string]string)
	for _, tg := range s.targets {
		urls[tg.name] = tg.start(t, e)
		checkCounts(t, tg, urls[tg.name])
	}
	// Warm up: each target serves new visitors for a second.
	for _, tg := range s.targets {
		warm := wrkRun{threads: s.threads, conns: s.conns, duration: time.Second}
		warm.run(t, urls[tg.name])
	}
	rotate := make(map[string]string)
	for _, tg := range s.targets {
		rotate[tg.name] = cookieFile(t, urls[tg.name], s.rotate, tg.name != "bare")
	}
	// Signed in: one visitor per target, and s.rotate visitors, sign in
	// once (POST /login; cmd/visits checks an Argon2id hash each time, at
	// most GOMAXPROCS at once), then every GET /me is checked before the
	// load: the signed-in page, the same bytes as bare's, and from
	// cmd/visits no cookie (it writes nothing).
	signedIn := make(map[string]string)     // one visitor's cookie
	signedInFile := make(map[string]string) // s.rotate visitors' cookies, for rotate.lua
	var mePage string                       // bare's /me, which every target must send
	for _, tg := range s.targets {
		one, many := "bare=1", bareCookies(s.rotate) // the same header for the bare handler
		if tg.name != "bare" {
			get := signIn(urls[tg.name])
			c, err := get(context.Background())
			if err != nil {
				t.Fatalf("%s: %v", tg.name, err)
			}
			one, many = c, fetchCookies(t, urls[tg.name], s.rotate, max(2, runtime.GOMAXPROCS(0)), get)
		}
		mePage = checkMe(t, tg, urls[tg.name], append([]string{one}, many...), mePage)
		signedIn[tg.name], signedInFile[tg.name] = one, writeLines(t, many)
	}
	script, err := filepath.Abs("rotate.lua")
	if err != nil {
		t.Fatal(err)
	}

	// results[scenario][target] holds one load per round.
	results := make(map[string]map[string][]load)
	ratios := make(map[string]map[string][]float64)
	for _, sc := range s.scenarios {
		results[sc] = make(map[string][]load)
		ratios[sc] = make(map[string][]float64)
	}
	for round := 1; round <= s.rounds; round++ {
		for _, sc := range s.scenarios {
			var bare float64
			for _, tg := range s.targets {
				run := wrkRun{threads: s.threads, conns: s.conns, duration: s.duration}
				url := urls[tg.name]
				switch sc {
				case "returning":
					c, _, err := visit(context.Background(), urls[tg.name], "")
					if err != nil {
						t.Fatal(err)
					}
					if c == "" {
						c = "bare=1" // the same header for the bare handler
					}
					run.cookie = c
				case "1,000 returning":
					run.script, run.scriptArgs = script, []string{rotate[tg.name]}
				case "signed in":
					url += "me"
					run.cookie = signedIn[tg.name]
				case "1,000 signed in":
					url += "me"
					run.script, run.scriptArgs = script, []string{signedInFile[tg.name]}
				}
				l := run.run(t, url)
				if l.bad > 0 {
					if tg.name == "bare" || strings.HasPrefix(tg.name, "visits") {
						t.Errorf("%s, %s: %d errors in %d requests", tg.name, sc, l.bad, l.requests)
					} else {
						t.Logf("%s, %s: %d errors in %d requests", tg.name, sc, l.bad, l.requests)
					}
				}
				if tg.name == "bare" {
					bare = l.rps
				}
				results[sc][tg.name] = append(results[sc][tg.name], l)
				ratios[sc][tg.name] = append(ratios[sc][tg.name], l.rps/bare)
				t.Logf("round %d, %s, %s: %.0f req/s (%.2f× bare)", round, sc, tg.name, l.rps, l.rps/bare)
			}
		}
	}

	// wrk counts a redirect as served: the signed-in visitors must still be
	// signed in after the load.
	for _, tg := range s.targets {
		checkMe(t, tg, urls[tg.name], []string{signedIn[tg.name]}, mePage)
	}

	lost := make(map[string]lostUpdates)
	for _, tg := range s.targets[1:] {
		lost[tg.name] = measureLost(t, s, tg, urls[tg.name])
		lu := lost[tg.name]
		t.Logf("lost updates, %s: %d of %d kept", tg.name, lu.kept, lu.served)
		if strings.HasPrefix(tg.name, "visits") && !tg.inCookie && lu.kept < lu.served { // ours: nothing lost
			t.Errorf("%s: %d of %d concurrent increments kept", tg.name, lu.kept, lu.served)
		}
	}
	// Memory after a flood of new visitors: one flood per round, each on a
	// fresh process.
	floodFor, idle := 8*time.Second, 10*time.Second
	if !s.full {
		floodFor, idle = time.Second, time.Second
	}
	var floods []flood
	for range s.rounds {
		f := measureFlood(t, e, floodFor, idle)
		t.Logf("flood: %d new visitors, %.0f live sessions, RSS %.1f → %.1f MiB: %.0f B per live session",
			f.visitors, f.live, f.rssBefore/(1<<20), f.rssAfter/(1<<20), f.perSession())
		floods = append(floods, f)
	}
	if !s.full {
		return
	}
	report := renderReport(s, results, ratios, lost) + renderFloods(floods, floodFor, idle)
	if err := os.WriteFile(*outFlag, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCounts makes sure tg counts: a new visitor sees 1, then 2, 3 with
// the cookie (bare always shows 1).
func checkCounts(t *testing.T, tg target, url string) {
	t.Helper()
	cookie := ""
	for want := 1; want <= 3; want++ {
		c, n, err := visit(context.Background(), url, cookie)
		if err != nil {
			t.Fatalf("%s: %v", tg.name, err)
		}
		if tg.name == "bare" {
			want = 1
		}
		if n != want {
			t.Fatalf("%s: visit %d shows %d", tg.name, want, n)
		}
		cookie = c
		if tg.name == "bare" {
			return
		}
	}
}

// checkMe sends GET /me of tg at base with each cookie, 8 at a time, and
// fails unless each answers 200 with the signed-in page: want when it is
// not "", else the first page seen, which it returns. cmd/visits must set
// no cookie: the page writes nothing.
func checkMe(t *testing.T, tg target, base string, cookies []string, want string) string {
	t.Helper()
	first, _, err := me(context.Background(), base, cookies[0])
	if err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	if want == "" {
		want = first
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail error
	)
	next := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				body, set, err := me(context.Background(), base, c)
				switch {
				case err != nil:
				case !strings.Contains(body, "<h1>"+signedInMessage+"</h1>"):
					err = fmt.Errorf("GET /me with %.40q does not show %q:\n%s", c, signedInMessage, body)
				case body != want:
					err = fmt.Errorf("GET /me is not the page bare sends (%d bytes, want %d):\n%s", len(body), len(want), body)
				case strings.HasPrefix(tg.name, "visits") && len(set) > 0:
					err = fmt.Errorf("GET /me set a cookie (%.60q), want none: the page writes nothing", set)
				}
				if err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range cookies {
		next <- c
	}
	close(next)
	wg.Wait()
	if fail != nil {
		t.Fatalf("%s: %v", tg.name, fail)
	}
	return want
}

// lostUpdates is what happened to concurrent increments of one session.
type lostUpdates struct {
	served, kept int
}

// measureLost sends s.lostConns concurrent connections' requests, all
// with one session's cookie, for s.lost, then reads the count: every
// request served should have added one.
func measureLost(t *testing.T, s settings, tg target, url string) lostUpdates {
	t.Helper()
	cookie, first, err := visit(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	run := wrkRun{threads: s.lostThreads, conns: s.lostConns, duration: s.lost, cookie: cookie}
	l := run.run(t, url)
	_, last, err := visit(context.Background(), url, cookie)
	if err != nil {
		t.Fatal(err)
	}
	served := l.requests - l.bad
	return lostUpdates{served: served, kept: last - first - 1}
}

func median(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// renderReport is the Markdown section BENCHMARKS.md includes.
func renderReport(s settings, results map[string]map[string][]load, ratios map[string]map[string][]float64, lost map[string]lostUpdates) string {
	var b strings.Builder
	wrkVersion, _ := exec.Command("wrk", "-v").CombinedOutput()
	nodeVersion, _ := exec.Command("node", "--version").CombinedOutput()
	fmt.Fprintf(&b, "wrk %s, %d thread(s), %d connections, %v per run, %d rounds interleaved (each round loads every target in every scenario, bare first); Node %s. ",
		strings.Fields(string(wrkVersion) + " ?")[1], s.threads, s.conns, s.duration, s.rounds, strings.TrimSpace(string(nodeVersion)))
	fmt.Fprintf(&b, "wrk and the server share the machine's cores. Each cell: the median over the rounds of the ratio to the bare handler's requests per second in the same round and scenario, and (in brackets) the median requests per second.\n\n")
	table := func(scenarios []string) {
		fmt.Fprintf(&b, "| target | %s |\n|---|%s\n", strings.Join(scenarios, " | "), strings.Repeat("---|", len(scenarios)))
		for _, tg := range s.targets {
			fmt.Fprintf(&b, "| %s |", tg.name)
			for _, sc := range scenarios {
				var rps []float64
				for _, l := range results[sc][tg.name] {
					rps = append(rps, l.rps)
				}
				fmt.Fprintf(&b, " %.2f (%.0f) |", median(ratios[sc][tg.name]), median(rps))
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "### Counting visits: GET / (a write to the session every request)\n\n")
	table(writtenScenarios)
	fmt.Fprintf(&b, "\n### Signed in: GET /me (read the user, render the page, write nothing)\n\n")
	fmt.Fprintf(&b, "The visitors signed in once before the rounds (POST /login as alice), and every /me was checked to answer the same page as bare's before the load (cmd/visits: without setting a cookie) and after it.\n\n")
	table(signedInScenarios)
	fmt.Fprintf(&b, "\n### Lost updates\n\n%d connections (%d wrk threads) send one session's cookie for %v; each request adds one visit. Kept: the increase of the count seen afterwards, divided by the requests wrk counted as served; the requests still in flight when wrk stops (up to one per connection) are counted by the server but not by wrk, so a store that loses nothing shows a little over 100 %%. Where the count travels in the cookie (sealed, gorilla, Fastify), every response carries a new cookie that the other connections never send, so concurrent requests cannot add up: that is the nature of a cookie store, not a lost write.\n\n",
		s.lostConns, s.lostThreads, s.lost)
	b.WriteString("| target | requests served | increments kept | kept |\n|---|---|---|---|\n")
	for _, tg := range s.targets[1:] {
		lu := lost[tg.name]
		pct := 0.0
		if lu.served > 0 {
			pct = 100 * float64(lu.kept) / float64(lu.served)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.1f %% |\n", tg.name, lu.served, lu.kept, pct)
	}
	return b.String()
}
