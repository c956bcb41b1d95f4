package faulttest

// The soak (issue "Nothing acknowledged is lost", item 5): cmd/visits as a
// real child process, on the memory store and on SQLite, under
// -soak.requests requests over -soak.sessions sessions from -soak.clients
// concurrent clients over loopback. Every response is checked (status,
// count, cookie or token, signed-in user, flash), and the run records the
// resident memory of the process, the store's sessions and the p99
// latency per window of a tenth of the requests. `go test ./faulttest`
// runs a small version; `make soak` the full one (1,000,000 requests over
// 100,000 sessions).
//
// The traffic is a visitor's: a session arrives (a browser with a cookie,
// or one in five an API client with an X-Session-Token), makes a few
// requests, and leaves; a few come back much later. Some sign in (POST
// /login), see the flash once, keep their count, and some sign out; some
// reset (POST /reset) and then replay the destroyed cookie, which must get
// a new session, never the old one back. With -max-age short
// (-soak.maxage), sessions left alone expire: a returning visitor whose
// session may have expired is accepted with either outcome, one whose
// session cannot have expired must get its count, one whose session must
// have expired must get a new one; two probes come back every 0.6 ×
// max-age, so their sessions outlive max-age since they were created
// and must keep counting. The expired records are the sweeper's to
// remove, so the store, and the process's memory, level off.

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

var (
	soakRequests = flag.Int("soak.requests", 20_000, "soak: requests in all")
	soakSessions = flag.Int("soak.sessions", 2_000, "soak: sessions in all")
	soakClients  = flag.Int("soak.clients", 64, "soak: concurrent clients")
	soakMaxAge   = flag.Duration("soak.maxage", 3*time.Second, "soak: the -max-age of cmd/visits (sessions left alone that long expire)")
	soakStores   = flag.String("soak.stores", "memory,sqlite", "soak: the stores, comma-separated: memory, sqlite")
)

// The soak's fixed choices.
const (
	soakWindows     = 10  // latency and memory are reported per tenth of the requests
	soakActive      = 4   // sessions a client keeps going at once
	soakAPIEvery    = 5   // one session in 5 is an API client
	soakResetEvery  = 10  // one browser session in 10 resets
	soakLoginEvery  = 500 // one session in 500 signs in (Argon2id: ~20 MiB and tens of ms each)
	soakComeBack    = 50  // one pick in 50 is a visitor who left coming back
	soakSlack       = 250 * time.Millisecond
	soakPostMargin  = time.Second      // a POST is sent only this long before the session could expire
	soakRequestWait = RequestTimeout   // one request's bound
	soakRunCeiling  = 55 * time.Minute // the whole run's bound
	soakSampleEvery = 500 * time.Millisecond
)

var (
	soakCountRE = regexp.MustCompile(`You have visited this page (\d+) times?\.`)
	soakUserRE  = regexp.MustCompile(`Signed in as <strong>([^<]*)</strong>`)
	soakDemo    = [...][2]string{{"alice", "alice-demo-password"}, {"bob", "bob-demo-password"}}
)

// soakSession is one visitor, driven by one client only.
type soakSession struct {
	api       bool
	budget    int       // requests left before it leaves
	loginAt   int       // the request (counted down in budget) that signs in; -1 none
	logoutAt  int       // the request that signs out; -1 none
	resetAt   int       // the request that resets; -1 none
	demo      int       // which demo user
	cred      string    // the cookie (connect.sid=...) or the token, "" for none yet
	replay    string    // a destroyed cookie to send once more
	visits    int64     // the count the server must hold
	user      string    // who is signed in
	flash     bool      // the next page must show the sign-in flash
	t0, t1    time.Time // the last request that slid its expiry: sent, answered
	maybeGone bool      // the last POST may have met an expired session
}

// soakSample is what the sampler saw at a window boundary.
type soakSample struct {
	requests  int64
	elapsed   time.Duration
	rss       float64 // bytes
	heapObj   float64
	created   float64
	destroyed float64
	expired   float64
	rows      int64 // sqlite: rows in the table, -1 otherwise
	liveRows  int64 // sqlite: rows not expired
}

type soakStats struct {
	requests, errors      atomic.Int64
	newVisits, returning  atomic.Int64
	logins, logouts       atomic.Int64
	resets, replays       atomic.Int64
	comeBacks, expiredNew atomic.Int64
	ambiguous             atomic.Int64
	probeKept             atomic.Int64 // probe visits that kept the count past max-age since creation

	mu    sync.Mutex
	msgs  []string
	kinds map[string]int // errors by the text of the check that failed
}

func (s *soakStats) fail(format string, args ...any) {
	s.errors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds == nil {
		s.kinds = map[string]int{}
	}
	kind, _, _ := strings.Cut(format, ":")
	s.kinds[kind]++
	if len(s.msgs) < 20 {
		s.msgs = append(s.msgs, fmt.Sprintf(format, args...))
	}
}

func TestSoak(t *testing.T) {
	if *soakRequests <= 0 || *soakSessions <= 0 || *soakClients <= 0 || *soakSessions < *soakClients {
		t.Fatalf("soak: want requests, sessions, clients > 0 and sessions >= clients")
	}
	for _, store := range strings.Split(*soakStores, ",") {
		store = strings.TrimSpace(store)
		t.Run(store, func(t *testing.T) { soakRun(t, store) })
	}
}

func soakRun(t *testing.T, store string) {
	dir := t.TempDir()
	var arg, dbPath string
	switch store {
	case "memory":
		arg = "memory"
	case "sqlite":
		dbPath = filepath.Join(dir, "sessions.db")
		arg = "sqlite:" + dbPath
	default:
		t.Fatalf("soak: unknown store %q", store)
	}
	metrics := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	v := StartVisits(t, VisitsOptions{
		Args:    []string{"-store", arg, "-metrics", metrics, "-max-age", soakMaxAge.String(), "-sweep-interval", soakMaxAge.String()},
		DataDir: dir,
	})
	base := v.URL()
	metricsURL := "http://" + metrics + "/metrics"

	var db *sql.DB
	if dbPath != "" {
		var err error
		db, err = sql.Open("sqlite", (&url.URL{Scheme: "file", Path: dbPath,
			RawQuery: url.Values{"mode": {"ro"}, "_pragma": {"busy_timeout(10000)"}}.Encode()}).String())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
	}

	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: *soakClients,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       soakRequestWait,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	total := int64(*soakRequests)
	window := max(1, total/soakWindows)
	ctx, cancel := context.WithTimeout(context.Background(), soakRunCeiling)
	defer cancel()
	seed := Seed(t)

	st := &soakStats{}
	lat := make([][]time.Duration, *soakClients) // per client: (index, latency) pairs
	idx := make([][]int64, *soakClients)
	start := time.Now()

	// The sampler: resident memory and the store at every window
	// boundary, and the peak.
	var samples []soakSample
	var peakRSS float64
	samplerDone := make(chan struct{})
	stopSampler := make(chan struct{})
	sample := func() soakSample {
		s := soakSample{requests: st.requests.Load(), elapsed: time.Since(start), rows: -1, liveRows: -1}
		m, err := soakScrape(ctx, client, metricsURL)
		if err != nil {
			st.fail("metrics: %v", err)
		}
		s.rss, s.heapObj = m["process_resident_memory_bytes"], m["go_memstats_heap_objects"]
		s.created, s.destroyed, s.expired = m[`event="created"`], m[`event="destroyed"`], m[`event="expired"`]
		if db != nil {
			now := time.Now().UnixMilli()
			if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE expires > ?) FROM sessions`, now).
				Scan(&s.rows, &s.liveRows); err != nil {
				st.fail("sqlite count: %v", err)
			}
		}
		return s
	}
	samples = append(samples, sample())
	go func() {
		defer close(samplerDone)
		next := window
		tick := time.NewTicker(soakSampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-stopSampler:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			n := st.requests.Load()
			if n >= next && next < total {
				samples = append(samples, sample())
				peakRSS = max(peakRSS, samples[len(samples)-1].rss)
				for next <= n {
					next += window
				}
			} else if m, err := soakScrape(ctx, client, metricsURL); err == nil {
				peakRSS = max(peakRSS, m["process_resident_memory_bytes"])
			}
		}
	}()

	var wg sync.WaitGroup
	var counter atomic.Int64
	// The sliding probes: a browser and an API client that come back
	// every 0.6 × max-age, past the max-age since their session was
	// created; each visit slides the expiry, so each must keep the count.
	probes := make([]*soakSession, 2)
	for i := range probes {
		probes[i] = &soakSession{api: i == 1, loginAt: -1, logoutAt: -1, resetAt: -1}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &soakWorker{st: st, client: client, base: base, maxAge: *soakMaxAge, ctx: ctx, db: db,
				record: func(time.Duration) {}}
			soakProbe(w, probes[i])
		}()
	}
	for c := range *soakClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := total / int64(*soakClients)
			if int64(c) < total%int64(*soakClients) {
				n++
			}
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			var mine []int // session numbers of this client
			for i := c; i < *soakSessions; i += *soakClients {
				mine = append(mine, i)
			}
			w := &soakWorker{st: st, client: client, base: base, rng: rng, maxAge: *soakMaxAge, ctx: ctx, db: db}
			w.run(n, mine, func(d time.Duration) {
				lat[c] = append(lat[c], d)
				idx[c] = append(idx[c], counter.Add(1)-1)
				st.requests.Add(1)
			})
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampler)
	<-samplerDone
	final := sample()
	peakRSS = max(peakRSS, final.rss)
	samples = append(samples, final)
	if ctx.Err() != nil {
		t.Errorf("soak: the run did not end within %v", soakRunCeiling)
	}

	// p99 per window.
	perWindow := make([][]time.Duration, soakWindows)
	for c := range lat {
		for i, d := range lat[c] {
			w := min(int(idx[c][i]/window), soakWindows-1)
			perWindow[w] = append(perWindow[w], d)
		}
	}
	p99 := make([]time.Duration, soakWindows)
	for w, ds := range perWindow {
		if len(ds) > 0 {
			slices.Sort(ds)
			p99[w] = ds[(len(ds)*99)/100]
		}
	}

	// The server's log: no error, no eviction at the cap.
	out := v.Output()
	serverErrors := strings.Count(out, "level=ERROR")
	evicted := strings.Contains(out, "MaxSessions reached")

	// The report.
	var b strings.Builder
	fmt.Fprintf(&b, "soak %s: %d requests over %d sessions, %d clients, -max-age %v: %v (%.0f req/s)\n",
		store, st.requests.Load(), *soakSessions, *soakClients, *soakMaxAge, elapsed.Round(time.Millisecond),
		float64(st.requests.Load())/elapsed.Seconds())
	fmt.Fprintf(&b, "  errors %d; server log errors %d; evicted at the cap: %v\n", st.errors.Load(), serverErrors, evicted)
	fmt.Fprintf(&b, "  new visits %d, returning %d, come-backs %d (found expired %d, ambiguous %d), logins %d, logouts %d, resets %d (replayed %d)\n",
		st.newVisits.Load(), st.returning.Load(), st.comeBacks.Load(), st.expiredNew.Load(), st.ambiguous.Load(),
		st.logins.Load(), st.logouts.Load(), st.resets.Load(), st.replays.Load())
	if *soakMaxAge > 0 {
		fmt.Fprintf(&b, "  sliding probes (a visit every 0.6 × max-age): %d of 8 visits kept the count (final counts %d, %d)\n",
			st.probeKept.Load(), probes[0].visits, probes[1].visits)
	}
	fmt.Fprintf(&b, "  %9s %9s %9s %11s %9s %9s %9s", "requests", "elapsed", "RSS MiB", "heap objs", "created", "destroyed", "expired")
	if db != nil {
		fmt.Fprintf(&b, " %9s %9s", "rows", "live rows")
	}
	b.WriteString("\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "  %9d %9s %9.1f %11.0f %9.0f %9.0f %9.0f", s.requests, s.elapsed.Round(time.Second),
			s.rss/(1<<20), s.heapObj, s.created, s.destroyed, s.expired)
		if db != nil {
			fmt.Fprintf(&b, " %9d %9d", s.rows, s.liveRows)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  peak RSS %.1f MiB\n", peakRSS/(1<<20))
	b.WriteString("  p99 per window:")
	for _, d := range p99 {
		fmt.Fprintf(&b, " %v", d.Round(10*time.Microsecond))
	}
	fmt.Fprintf(&b, "\n  p99 first window %v, last window %v\n", p99[0].Round(10*time.Microsecond), p99[soakWindows-1].Round(10*time.Microsecond))
	t.Log("\n" + b.String())

	// The assertions.
	if got := st.requests.Load(); got != total {
		t.Errorf("soak: %d requests answered, want %d", got, total)
	}
	if n := st.errors.Load(); n > 0 {
		st.mu.Lock()
		var kinds []string
		for k, n := range st.kinds {
			kinds = append(kinds, fmt.Sprintf("%d × %s", n, k))
		}
		slices.Sort(kinds)
		t.Errorf("soak: %d errors (%s); the first:\n%s", n, strings.Join(kinds, "; "), strings.Join(st.msgs, "\n"))
		st.mu.Unlock()
	}
	if serverErrors > 0 {
		t.Errorf("soak: cmd/visits logged %d errors", serverErrors)
	}
	if evicted {
		t.Errorf("soak: the memory store reached its cap and evicted live sessions")
	}
	if st.newVisits.Load() == 0 || st.returning.Load() == 0 || st.logins.Load() == 0 || st.resets.Load() == 0 || st.replays.Load() == 0 {
		t.Errorf("soak: the mix lacks a kind of request: %s", b.String())
	}
	// Memory levels off: the last window's RSS is not far above the
	// largest of the first half (a leak of a record per session would
	// grow it with every window). Only for runs long enough for the
	// memory store's sweeper (every minute) to have run twice, with
	// sessions that expire.
	if *soakMaxAge > 0 && elapsed > 2*time.Minute+*soakMaxAge && len(samples) > 4 {
		half := 0.0
		for _, s := range samples[1 : len(samples)/2] {
			half = max(half, s.rss)
		}
		if last := samples[len(samples)-1].rss; last > 1.5*half+64<<20 {
			t.Errorf("soak: RSS %.1f MiB at the end, over 1.5 × %.1f MiB (the first half's peak) + 64 MiB: memory does not level off",
				last/(1<<20), half/(1<<20))
		}
	}
}

// soakProbe visits s every 0.6 × max-age, 4 times after the first.
func soakProbe(w *soakWorker, s *soakSession) {
	if w.maxAge <= 0 {
		return
	}
	w.visit(s, false)
	for range 4 {
		t := time.NewTimer(w.maxAge * 6 / 10)
		select {
		case <-w.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		before := s.visits
		w.visit(s, false)
		if s.visits == before+1 {
			w.st.probeKept.Add(1)
		}
	}
}

// soakScrape returns the metrics of cmd/visits it reports: every sample
// summed by name, and the session events also by their event label.
func soakScrape(ctx context.Context, c *http.Client, u string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	m := map[string]float64{}
	for line := range strings.SplitSeq(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		val, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name := line[:sp]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			if strings.HasPrefix(name, "session_events_total{") {
				for _, ev := range []string{"created", "destroyed", "expired"} {
					if strings.Contains(name, `event="`+ev+`"`) {
						m[`event="`+ev+`"`] += val
					}
				}
			}
			name = name[:i]
		}
		m[name] += val
	}
	return m, nil
}

// soakWorker is one client: it owns its sessions, so their expected state
// is never shared.
type soakWorker struct {
	st     *soakStats
	client *http.Client
	base   string
	rng    *rand.Rand
	maxAge time.Duration
	ctx    context.Context
	record func(time.Duration)
	db     *sql.DB // sqlite: the file, read-only, to say more of a failure
}

// rowOf describes the stored row of session id, for a failure message.
func (w *soakWorker) rowOf(id string) string {
	if w.db == nil {
		return ""
	}
	var exp int64
	var data string
	err := w.db.QueryRowContext(w.ctx, "SELECT expires, data FROM sessions WHERE id = ?", id).Scan(&exp, &data)
	if err != nil {
		return fmt.Sprintf("; stored row: %v", err)
	}
	return fmt.Sprintf("; stored row expires in %v: %.300s", time.Until(time.UnixMilli(exp)), data)
}

// run sends n requests for the sessions numbered mine.
func (w *soakWorker) run(n int64, mine []int, record func(time.Duration)) {
	w.record = record
	pending := mine
	var active, left []*soakSession
	for sent := int64(0); sent < n && w.ctx.Err() == nil; sent++ {
		for len(active) < soakActive && len(pending) > 0 {
			active = append(active, w.newSession(pending[0]))
			pending = pending[1:]
		}
		switch {
		case len(left) > 0 && (len(active) == 0 || w.rng.IntN(soakComeBack) == 0):
			// A visitor who left comes back.
			s := left[w.rng.IntN(len(left))]
			w.st.comeBacks.Add(1)
			w.visit(s, true)
		case len(active) > 0:
			i := w.rng.IntN(len(active))
			s := active[i]
			w.step(s)
			if s.budget <= 0 {
				left = append(left, s)
				active = slices.Delete(active, i, i+1)
			}
		default:
			return
		}
	}
}

// newSession plans session i's requests.
func (w *soakWorker) newSession(i int) *soakSession {
	s := &soakSession{
		api:      i%soakAPIEvery == soakAPIEvery-1,
		budget:   1 + w.rng.IntN(max(1, 2**soakRequests / *soakSessions - 2)),
		loginAt:  -1,
		logoutAt: -1,
		resetAt:  -1,
		demo:     i % len(soakDemo),
	}
	if s.api {
		return s
	}
	if i%soakLoginEvery == 0 || (i < *soakClients && i%8 == 0) {
		s.budget = max(s.budget, 6)
		s.loginAt = s.budget - 2 // after two visits
		if w.rng.IntN(2) == 0 {
			s.logoutAt = s.loginAt - 2 // after the flash was shown
		}
	} else if i%soakResetEvery == 3 {
		s.budget = max(s.budget, 4)
		s.resetAt = s.budget - 2
	}
	return s
}

// step sends the session's next planned request. A POST is sent only on a
// session that cannot expire before it is answered; otherwise a visit
// goes first, and the POST comes next time.
func (w *soakWorker) step(s *soakSession) {
	safe := s.cred != "" && !s.maybeGone && (w.maxAge == 0 || time.Until(s.t0.Add(w.maxAge)) > soakPostMargin)
	planned := s.budget == s.loginAt || (s.budget == s.logoutAt && s.user != "") || s.budget == s.resetAt
	switch {
	case s.replay != "":
		w.replay(s)
	case planned && !safe:
		w.visit(s, false)
		return // the POST is still to come
	case s.budget == s.loginAt:
		w.login(s)
	case s.budget == s.logoutAt && s.user != "":
		w.logout(s)
	case s.budget == s.resetAt:
		w.reset(s)
	default:
		w.visit(s, false)
	}
	s.budget--
}

// do sends one request and returns the response with its body read,
// timing it.
func (w *soakWorker) do(method, path, cookie, token string, form url.Values) (*http.Response, []byte, time.Time, time.Time, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(w.ctx, method, w.base+path, body)
	if err != nil {
		return nil, nil, time.Time{}, time.Time{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if token != "" {
		req.Header.Set(soakTokenHeader, token)
	}
	t0 := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		t1 := time.Now()
		w.record(t1.Sub(t0))
		return nil, nil, t0, t1, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	t1 := time.Now()
	w.record(t1.Sub(t0))
	return resp, b, t0, t1, err
}

const soakTokenHeader = "X-Session-Token"

// soakCookie returns the connect.sid cookie a response sets ("" for
// none) and whether it deletes it.
func soakCookie(resp *http.Response) (string, bool) {
	for _, c := range resp.Cookies() {
		if c.Name == "connect.sid" {
			return c.Name + "=" + c.Value, c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()))
		}
	}
	return "", false
}

// soakSID returns the session ID in a cookie or token ("s:ID.sig", maybe
// percent-encoded).
func soakSID(v string) string {
	v = strings.TrimPrefix(v, "connect.sid=")
	if u, err := url.QueryUnescape(v); err == nil {
		v = u
	}
	v = strings.TrimPrefix(v, "s:")
	id, _, _ := strings.Cut(v, ".")
	return id
}

// liveness says whether s's record must still live (1), must have expired
// (-1), or may have either (0), for a request sent at t2 and answered at
// t3.
func (w *soakWorker) liveness(s *soakSession, t2, t3 time.Time) int {
	if w.maxAge == 0 {
		if s.maybeGone {
			return 0
		}
		return 1
	}
	switch {
	case !s.maybeGone && t3.Before(s.t0.Add(w.maxAge-soakSlack)):
		return 1
	case t2.After(s.t1.Add(w.maxAge + soakSlack)):
		return -1
	}
	return 0
}

// visit sends GET / (GET /api/visits for an API client) and checks the
// count, the session and the user.
func (w *soakWorker) visit(s *soakSession, comeBack bool) {
	var resp *http.Response
	var body []byte
	var t2, t3 time.Time
	var err error
	if s.api {
		resp, body, t2, t3, err = w.do(http.MethodGet, "/api/visits", "", s.cred, nil)
	} else {
		resp, body, t2, t3, err = w.do(http.MethodGet, "/", s.cred, "", nil)
	}
	if err != nil {
		w.st.fail("GET (session with %d visits): %v", s.visits, err)
		return
	}
	if resp.StatusCode != http.StatusOK {
		w.st.fail("GET: %s: %.200s", resp.Status, body)
		return
	}
	var count int64
	var newCred string
	var page string
	if s.api {
		var v struct {
			Visits *int64 `json:"visits"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Visits == nil {
			w.st.fail("GET /api/visits: not a count: %.200q", body)
			return
		}
		count, newCred = *v.Visits, resp.Header.Get(soakTokenHeader)
	} else {
		page = string(body)
		m := soakCountRE.FindStringSubmatch(page)
		if m == nil {
			w.st.fail("GET /: no count in the page: %.300q", page)
			return
		}
		count, _ = strconv.ParseInt(m[1], 10, 64)
		newCred, _ = soakCookie(resp)
	}

	if s.cred == "" { // a new visitor
		w.st.newVisits.Add(1)
		if count != 1 || newCred == "" {
			w.st.fail("new visitor: count %d, session %q: want 1 and a new session", count, newCred)
			return
		}
		s.cred, s.visits, s.user, s.flash = newCred, 1, "", false
		s.t0, s.t1, s.maybeGone = t2, t3, false
		w.checkUser(s, page)
		return
	}
	w.st.returning.Add(1)
	if s.maybeGone {
		// The last POST took so long the session may have expired
		// under it: the count is kept or starts again.
		if count != s.visits+1 && count != 1 {
			w.st.fail("returning visitor after a slow POST: count %d, want %d or 1", count, s.visits+1)
		}
		w.st.ambiguous.Add(1)
		s.visits, s.user, s.flash = count, "", false
		if m := soakUserRE.FindStringSubmatch(page); m != nil {
			s.user = m[1]
		}
		if newCred != "" {
			s.cred = newCred
		}
		s.t0, s.t1, s.maybeGone = t2, t3, false
		return
	}
	live := w.liveness(s, t2, t3)
	sameID := newCred == "" || soakSID(newCred) == soakSID(s.cred)
	kept := count == s.visits+1 && sameID
	renewed := count == 1 && newCred != "" && !sameID
	switch {
	case live == 1 && kept, live == 0 && kept:
		s.visits = count
		if newCred != "" {
			s.cred = newCred
		}
	case live == -1 && renewed, live == 0 && renewed:
		if comeBack {
			w.st.expiredNew.Add(1)
		}
		s.cred, s.visits, s.user, s.flash = newCred, 1, "", false
	default:
		w.st.fail("returning visitor (api %v, %d visits, user %q, last answered %v ago, max-age %v, must live %d): count %d, session replaced %v%s",
			s.api, s.visits, s.user, t2.Sub(s.t1), w.maxAge, live, count, !sameID, w.rowOf(soakSID(s.cred)))
		// Go on from what the server says.
		s.visits = count
		if newCred != "" {
			s.cred = newCred
		}
		s.t0, s.t1, s.maybeGone = t2, t3, false
		return
	}
	if live == 0 {
		w.st.ambiguous.Add(1)
	}
	s.t0, s.t1, s.maybeGone = t2, t3, false
	w.checkUser(s, page)
}

// checkUser checks the page shows the signed-in user and the flash as
// expected, and consumes the flash.
func (w *soakWorker) checkUser(s *soakSession, page string) {
	if s.api {
		return
	}
	signedIn := strings.Contains(page, "Signed in as <strong>")
	switch {
	case s.user != "" && !strings.Contains(page, "Signed in as <strong>"+s.user+"</strong>"):
		w.st.fail("GET /: %s is signed in but the page does not say so", s.user)
	case s.user == "" && signedIn:
		w.st.fail("GET /: nobody is signed in but the page says someone is")
	}
	flash := strings.Contains(page, `<p class="flash" role="status">Signed in as `)
	if flash != s.flash {
		w.st.fail("GET /: flash shown %v, want %v", flash, s.flash)
	}
	s.flash = false
}

// login signs the session in: 303 to /, a new session ID, the count kept.
func (w *soakWorker) login(s *soakSession) {
	demo := soakDemo[s.demo]
	resp, body, t2, t3, err := w.do(http.MethodPost, "/login", s.cred, "", url.Values{"user": {demo[0]}, "password": {demo[1]}})
	if err != nil {
		w.st.fail("POST /login: %v", err)
		return
	}
	c, _ := soakCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c == "" || soakSID(c) == soakSID(s.cred) {
		w.st.fail("POST /login: %s, Location %q, new session %v: want 303 to / with a new session: %.200q",
			resp.Status, resp.Header.Get("Location"), c != "" && soakSID(c) != soakSID(s.cred), body)
		return
	}
	w.st.logins.Add(1)
	s.cred, s.user, s.flash = c, demo[0], true
	s.maybeGone = w.maxAge > 0 && !t3.Before(s.t0.Add(w.maxAge-soakSlack))
	s.t0, s.t1 = t2, t3
}

// logout signs the session out: 303 to /, a new session ID, the count
// kept.
func (w *soakWorker) logout(s *soakSession) {
	resp, body, t2, t3, err := w.do(http.MethodPost, "/logout", s.cred, "", url.Values{})
	if err != nil {
		w.st.fail("POST /logout: %v", err)
		return
	}
	c, _ := soakCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || c == "" || soakSID(c) == soakSID(s.cred) {
		w.st.fail("POST /logout: %s, new session %v: want 303 with a new session: %.200q",
			resp.Status, c != "" && soakSID(c) != soakSID(s.cred), body)
		return
	}
	w.st.logouts.Add(1)
	s.cred, s.user = c, ""
	s.maybeGone = w.maxAge > 0 && !t3.Before(s.t0.Add(w.maxAge-soakSlack))
	s.t0, s.t1 = t2, t3
}

// reset destroys the session: 303, the cookie deleted; the old cookie is
// replayed next.
func (w *soakWorker) reset(s *soakSession) {
	resp, body, _, _, err := w.do(http.MethodPost, "/reset", s.cred, "", url.Values{})
	if err != nil {
		w.st.fail("POST /reset: %v", err)
		return
	}
	c, deleted := soakCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || c == "" || !deleted {
		w.st.fail("POST /reset: %s, cookie %q deleted %v: want 303 deleting the cookie: %.200q", resp.Status, c, deleted, body)
		return
	}
	w.st.resets.Add(1)
	s.replay, s.cred, s.visits, s.user, s.flash, s.maybeGone = s.cred, "", 0, "", false, false
}

// replay sends the destroyed cookie once more: the session must not come
// back (count 1, a new ID).
func (w *soakWorker) replay(s *soakSession) {
	old := s.replay
	s.replay = ""
	resp, body, t2, t3, err := w.do(http.MethodGet, "/", old, "", nil)
	if err != nil {
		w.st.fail("GET / with a destroyed cookie: %v", err)
		return
	}
	m := soakCountRE.FindStringSubmatch(string(body))
	c, _ := soakCookie(resp)
	if resp.StatusCode != http.StatusOK || m == nil || m[1] != "1" || c == "" || soakSID(c) == soakSID(old) {
		w.st.fail("GET / with a destroyed cookie: %s, count %v, new session %v: want 200, 1 and a new session",
			resp.Status, m, c != "" && soakSID(c) != soakSID(old))
		return
	}
	w.st.replays.Add(1)
	s.cred, s.visits, s.user, s.flash = c, 1, "", false
	s.t0, s.t1, s.maybeGone = t2, t3, false
	w.checkUser(s, string(body))
}
