package faulttest

// The harness shared by the fault tests of this package: cmd/visits built
// once per test binary and run as a real child process (Visits), and a
// load generator of concurrent API clients that count, per session, what
// they sent and what was acknowledged (Load).
//
// This file owns TestMain and the -faulttest.long flag: other test files
// of the package must not define them.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

// longFlag selects the long (soak) versions of the fault tests; so does
// FAULTTEST_LONG=1 in the environment, which `make soak` can set.
var longFlag = flag.Bool("faulttest.long", false, "run the long versions of the fault tests (also FAULTTEST_LONG=1)")

// Long reports whether the long versions of the tests were asked for,
// with -faulttest.long or FAULTTEST_LONG set to a true value.
func Long() bool {
	if *longFlag {
		return true
	}
	v, _ := strconv.ParseBool(os.Getenv("FAULTTEST_LONG"))
	return v
}

// Seed returns the seed of a test's random choices (kill moments):
// FAULTTEST_SEED when set, so a failing run can be replayed, else a
// random one. It logs the seed.
func Seed(t testing.TB) uint64 {
	t.Helper()
	var seed uint64
	if s := os.Getenv("FAULTTEST_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FAULTTEST_SEED=%q: %v", s, err)
		}
		seed = v
	} else {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay with FAULTTEST_SEED=%d)", seed, seed)
	return seed
}

// The harness's bounds. They are generous ceilings that only a broken
// program reaches, never measurements: a loaded machine takes longer
// without failing.
const (
	// buildTimeout bounds the `go build` of cmd/visits.
	buildTimeout = 5 * time.Minute
	// listenTimeout bounds the wait for a started cmd/visits to log its
	// listening address.
	listenTimeout = 60 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	stopTimeout = 15 * time.Second
	// exitTimeout bounds the wait for a killed process to be reaped.
	exitTimeout = 30 * time.Second
	// RequestTimeout bounds one request of a load client. A request still
	// unanswered then is a hang (Stats.Hung): cmd/visits bounds every store
	// call by its StoreTimeout (5 s), and a request makes a few.
	RequestTimeout = 45 * time.Second
	// errorBackoff is how long a load client waits after a failed request
	// before the next, so a client of a server that is down does not spin.
	errorBackoff = 5 * time.Millisecond
)

// Secret is the SESSION_SECRET every Visits process gets, so a restarted
// process accepts the tokens of the one before.
const Secret = "faulttest-secret-0123456789abcdef0123456789abcdef"

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// TestMain removes the built cmd/visits after the tests.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// VisitsBinary returns the path of cmd/visits built (`go build -o`) into a
// temporary directory, once per test binary: later calls return the same
// file. It fails the test if the build fails.
func VisitsBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		start := time.Now()
		defer func() { t.Logf("faulttest: built cmd/visits in %v", time.Since(start).Round(time.Millisecond)) }()
		root := testenv.RepoRoot(t)
		buildDir, buildErr = os.MkdirTemp("", "faulttest-bin-")
		if buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "visits")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", buildPath, "./cmd/visits")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/visits: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("faulttest: %v", buildErr)
	}
	return buildPath
}

// FreePort returns a TCP port on 127.0.0.1 that was free when chosen.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faulttest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// VisitsOptions configures StartVisits.
type VisitsOptions struct {
	// Args are the command-line arguments besides -addr and -data, e.g.
	// {"-store", "sqlite:/tmp/x/sessions.db"}.
	Args []string
	// Env holds extra environment variables (KEY=VALUE), after
	// SESSION_SECRET=Secret, which they may override.
	Env []string
	// DataDir is the -data directory; empty means a t.TempDir().
	DataDir string
}

// Visits is cmd/visits running as a child process on 127.0.0.1. Its port
// stays the same across Kill/Stop and Start, so clients keep their URL.
// The process is killed when the test ends, and when the test binary
// dies (Pdeathsig, on Linux). Its methods are safe for concurrent use.
type Visits struct {
	t    testing.TB
	bin  string
	args []string // full argument list, with -addr and -data
	env  []string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}         // closed when the current process has exited
	output *testenv.LockedBuffer // stderr and stdout of every process, in order
}

// StartVisits builds cmd/visits if needed, starts it on a free port of
// 127.0.0.1 with o's arguments and SESSION_SECRET, and waits (bounded)
// until it logs that it listens. The process is killed at cleanup; when
// the test failed, its output is logged.
func StartVisits(t testing.TB, o VisitsOptions) *Visits {
	t.Helper()
	bin := VisitsBinary(t)
	data := o.DataDir
	if data == "" {
		data = t.TempDir()
	}
	v := &Visits{t: t, bin: bin, output: &testenv.LockedBuffer{}}
	v.env = append([]string{"SESSION_SECRET=" + Secret}, o.Env...)
	t.Cleanup(func() {
		v.Kill()
		if t.Failed() {
			t.Logf("faulttest: cmd/visits output:\n%s", v.Output())
		}
	})
	// The port is free when chosen but may be taken before the process
	// binds it: try a few.
	var err error
	for range 3 {
		v.port = FreePort(t)
		v.args = append([]string{"-addr", v.Addr(), "-data", data}, o.Args...)
		if err = v.start(); err == nil {
			return v
		}
	}
	t.Fatalf("faulttest: starting cmd/visits: %v", err)
	return nil
}

// Addr returns the host:port the process listens on.
func (v *Visits) Addr() string { return "127.0.0.1:" + strconv.Itoa(v.port) }

// URL returns the base URL of the app, http://127.0.0.1:PORT.
func (v *Visits) URL() string { return "http://" + v.Addr() }

// Output returns everything the processes wrote so far.
func (v *Visits) Output() string { return v.output.String() }

// Running reports whether the process runs (it may not listen yet).
func (v *Visits) Running() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd == nil {
		return false
	}
	select {
	case <-v.done:
		return false
	default:
		return true
	}
}

// Start starts the process again after Kill or Stop, with the same
// arguments and port, and waits (bounded) until it listens. It fails the
// test if it does not; the port, free when the process was stopped, may
// be taken meanwhile, in which case it retries a few times (an ephemeral
// port of a client's connection attempt can hold it for a moment).
func (v *Visits) Start() {
	v.t.Helper()
	var err error
	for range 5 {
		if err = v.start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		v.t.Fatalf("faulttest: restarting cmd/visits: %v", err)
	}
}

func (v *Visits) start() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd != nil {
		select {
		case <-v.done:
		default:
			return errors.New("already running")
		}
	}
	cmd := exec.Command(v.bin, v.args...)
	cmd.Env = append(os.Environ(), v.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = v.output
	if err := testenv.StartChild(cmd); err != nil {
		return err
	}
	listening := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		// Copy the log, watching for the listening line:
		// level=INFO msg="visits: listening" addr=127.0.0.1:PORT ...
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			v.output.Write([]byte(line + "\n"))
			if strings.Contains(line, `msg="visits: listening"`) {
				select {
				case listening <- line:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	done := make(chan struct{})
	go func() {
		<-copied // Wait closes the pipe: read it all first
		cmd.Wait()
		close(done)
	}()
	v.cmd, v.done = cmd, done

	timer := time.NewTimer(listenTimeout)
	defer timer.Stop()
	select {
	case line := <-listening:
		if !strings.Contains(line, "addr="+v.Addr()) {
			v.killLocked()
			return fmt.Errorf("listening on the wrong address: %s", line)
		}
		return nil
	case <-done:
		return fmt.Errorf("cmd/visits exited (%v) before listening; output:\n%s", cmd.ProcessState, v.output.String())
	case <-timer.C:
		v.killLocked()
		return fmt.Errorf("cmd/visits did not log its listening address within %v; output:\n%s", listenTimeout, v.output.String())
	}
}

// Kill sends SIGKILL, a crash with no chance to clean up, and waits for
// the process to exit. Killing a stopped process does nothing.
func (v *Visits) Kill() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.killLocked()
}

func (v *Visits) killLocked() {
	if v.cmd == nil {
		return
	}
	v.cmd.Process.Kill()
	v.waitLocked()
}

// Stop asks the process to shut down gracefully (SIGTERM), and kills it
// if it has not exited after a while. It waits for the exit.
func (v *Visits) Stop() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cmd == nil {
		return
	}
	v.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-v.done:
	case <-timer.C:
		v.cmd.Process.Kill()
	}
	v.waitLocked()
}

func (v *Visits) waitLocked() {
	timer := time.NewTimer(exitTimeout)
	defer timer.Stop()
	select {
	case <-v.done:
	case <-timer.C:
		v.t.Errorf("faulttest: cmd/visits (pid %d) did not exit within %v of being killed", v.cmd.Process.Pid, exitTimeout)
	}
	v.cmd = nil
}

// ---- Load generator ----

// LoadOptions configures StartLoad. Every load is bounded: by Requests
// per client, by Duration, or both; Duration defaults to 10 minutes.
type LoadOptions struct {
	// URL is the app's base URL, e.g. Visits.URL().
	URL string
	// Clients is the number of concurrent clients, each with one session;
	// 0 means 32.
	Clients int
	// Requests, when positive, is the most requests a client sends.
	Requests int
	// Duration bounds the load: the clients stop after it. 0 means 10
	// minutes, a ceiling for tests that call Stop.
	Duration time.Duration
}

// Load is a set of concurrent API clients of GET /api/visits. Each client
// is a goroutine with its own http.Client and connection, no cookie jar:
// it keeps one session through the X-Session-Token header, taking the
// token of the first response, and sends requests in a loop until the
// load is stopped or its bounds are reached.
//
// A client counts, for its session, the requests SENT (every time the
// request was written to a connection, including the transport's own
// retries, seen with httptrace, so a request that may have reached the
// server is always counted) and the increments ACKNOWLEDGED (a 200 whose
// JSON body carried a count). Each acknowledged count c is checked at
// once: acknowledged ≤ c ≤ sent, or the client records a violation
// (Stats.Lost when c < acknowledged: an acknowledged increment was lost;
// Stats.Phantom when c > sent). A response carrying a new token for a
// client that had one means its session was lost: Stats.Replaced.
type Load struct {
	t       testing.TB
	opts    LoadOptions
	clients []*Client
	ctx     context.Context // ends at the Duration bound: cancels requests
	cancel  context.CancelFunc
	stop    chan struct{} // closed by Stop: no new requests
	stopped sync.Once
	wg      sync.WaitGroup
	acked   atomic.Int64
	notify  chan struct{} // a value after every response, for Wait*
}

// Client is one client of a Load: one session.
type Client struct {
	l    *Load
	http *http.Client

	inFlight atomic.Bool

	mu      sync.Mutex
	st      Stats
	deficit int64 // acknowledged minus count, the largest seen, for this session
}

// Stats are a client's counts (Load.Total sums them). Token, Sent, Acked,
// MaxSeen and Last are those of its current session, which is its only
// one unless a session was lost and replaced; the others count over every
// session of the client.
type Stats struct {
	Token       string        // the session token ("" before the first 200)
	Sent        int64         // requests written for this session
	Acked       int64         // 200s with a count: acknowledged increments
	MaxSeen     int64         // the highest count acknowledged
	Last        int64         // the last count acknowledged
	Unavailable int64         // 503 answers
	OtherStatus int64         // answers other than 200 and 503
	Failed      int64         // transport errors (refused, reset, bad body)
	Hung        int64         // requests without an answer within RequestTimeout
	Lost        int64         // acknowledged increments found missing, all sessions of the client
	Phantom     int64         // the largest count-minus-sent seen (0 when none)
	Replaced    int64         // times the session was replaced by a new one (its increments count as Lost)
	MaxFailWait time.Duration // the longest a request took to fail (503 or transport error)
	Violations  []string
}

// StartLoad starts o.Clients clients against o.URL. They run until Stop,
// their Requests bound, or o.Duration. Stop is also called at cleanup.
func StartLoad(t testing.TB, o LoadOptions) *Load {
	t.Helper()
	if o.Clients <= 0 {
		o.Clients = 32
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Duration)
	l := &Load{t: t, opts: o, ctx: ctx, cancel: cancel, stop: make(chan struct{}), notify: make(chan struct{}, 1)}
	for range o.Clients {
		c := &Client{l: l, http: newClient()}
		l.clients = append(l.clients, c)
	}
	for _, c := range l.clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c.loop(ctx)
		}()
	}
	t.Cleanup(l.Stop)
	return l
}

// newClient returns an http.Client with a transport of its own, no cookie
// jar, no redirects followed, and RequestTimeout.
func newClient() *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Clients returns the clients, in a fixed order.
func (l *Load) Clients() []*Client { return l.clients }

// Stop stops the clients: they send no new request, and Stop waits for
// the requests in flight to be answered (each bounded by RequestTimeout),
// so that afterwards the server has seen the end of every request and a
// client's last acknowledged count is its session's count. Stopping twice
// does nothing.
func (l *Load) Stop() {
	l.stopped.Do(func() { close(l.stop) })
	l.wg.Wait()
	l.cancel()
	for _, c := range l.clients {
		c.http.CloseIdleConnections()
	}
}

// Acked returns the number of increments acknowledged so far, all clients.
func (l *Load) Acked() int64 { return l.acked.Load() }

// InFlight returns the number of requests sent and not yet answered.
func (l *Load) InFlight() int {
	n := 0
	for _, c := range l.clients {
		if c.inFlight.Load() {
			n++
		}
	}
	return n
}

// Stats returns every client's counts, in the order of Clients.
func (l *Load) Stats() []Stats {
	out := make([]Stats, len(l.clients))
	for i, c := range l.clients {
		out[i] = c.Stats()
	}
	return out
}

// Total sums the counts of every client (Token, MaxSeen and Last are
// left empty, MaxFailWait is the largest, Violations are concatenated).
func (l *Load) Total() Stats {
	var s Stats
	for _, c := range l.Stats() {
		s.Sent += c.Sent
		s.Acked += c.Acked
		s.Unavailable += c.Unavailable
		s.OtherStatus += c.OtherStatus
		s.Failed += c.Failed
		s.Hung += c.Hung
		s.Lost += c.Lost
		s.Phantom += c.Phantom
		s.Replaced += c.Replaced
		s.MaxFailWait = max(s.MaxFailWait, c.MaxFailWait)
		s.Violations = append(s.Violations, c.Violations...)
	}
	return s
}

// Wait waits until cond, evaluated after every response of any client,
// holds, or until timeout, a generous ceiling; it reports whether cond
// held. Only one goroutine may Wait at a time.
func (l *Load) Wait(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for !cond() {
		select {
		case <-l.notify:
		case <-timer.C:
			return cond()
		case <-l.ctx.Done():
			return cond()
		case <-l.stop:
			return cond()
		}
	}
	return true
}

// WaitAcked waits (at most timeout) until n increments in all have been
// acknowledged, and reports whether they were.
func (l *Load) WaitAcked(n int64, timeout time.Duration) bool {
	return l.Wait(timeout, func() bool { return l.acked.Load() >= n })
}

// WaitEveryClientAcked waits (at most timeout) until every client has had
// an increment acknowledged since the snapshot (from Stats), and reports
// whether each had.
func (l *Load) WaitEveryClientAcked(since []Stats, timeout time.Duration) bool {
	return l.Wait(timeout, func() bool {
		for i, c := range l.clients {
			if c.acked() <= since[i].Acked {
				return false
			}
		}
		return true
	})
}

// Stats returns a copy of the client's counts.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.st
	s.Violations = append([]string(nil), c.st.Violations...)
	return s
}

func (c *Client) acked() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.Acked
}

func (c *Client) loop(ctx context.Context) {
	for n := 0; c.l.opts.Requests <= 0 || n < c.l.opts.Requests; n++ {
		select {
		case <-c.l.stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if ok := c.Do(ctx); !ok {
			select {
			case <-c.l.stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(errorBackoff):
			}
		}
	}
}

// Do sends one GET /api/visits for the client's session, updates its
// counts and checks the count it got back. It reports whether the
// increment was acknowledged. Load clients call it in their loop; a test
// calls it for a final read through the app after Stop (it increments,
// like every request: the check includes it).
func (c *Client) Do(ctx context.Context) bool {
	c.mu.Lock()
	token := c.st.Token
	c.mu.Unlock()

	var writes atomic.Int64
	trace := &httptrace.ClientTrace{
		// Called for every write of the request, including the
		// transport's retries on a reused connection, error or not.
		WroteRequest: func(httptrace.WroteRequestInfo) { writes.Add(1) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, c.l.opts.URL+"/api/visits", nil)
	if err != nil {
		panic(err)
	}
	if token != "" {
		req.Header.Set("X-Session-Token", token)
	}
	c.inFlight.Store(true)
	start := time.Now()
	status, count, newToken, err := c.roundTrip(req)
	took := time.Since(start)
	c.inFlight.Store(false)

	c.mu.Lock()
	defer func() {
		c.mu.Unlock()
		if status == http.StatusOK && err == nil {
			c.l.acked.Add(1)
		}
		select {
		case c.l.notify <- struct{}{}:
		default:
		}
	}()
	if token != "" { // sends without a session count for none
		c.st.Sent += writes.Load()
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return false // stopped: not a failure of the server
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.st.Hung++
			c.violation("request unanswered within %v: %v", RequestTimeout, err)
		}
		c.st.Failed++
		c.st.MaxFailWait = max(c.st.MaxFailWait, took)
		return false
	case status == http.StatusServiceUnavailable:
		c.st.Unavailable++
		c.st.MaxFailWait = max(c.st.MaxFailWait, took)
		return false
	case status != http.StatusOK:
		c.st.OtherStatus++
		return false
	}
	if newToken != "" && newToken != token {
		if token != "" {
			c.st.Replaced++
			c.st.Lost += c.st.Acked - c.deficit // every increment of the old session
			c.violation("LOST: session replaced by a new one after %d acknowledged increments (count now %d)", c.st.Acked, count)
		}
		// A new session: this request is its first.
		c.st.Token, c.st.Sent, c.st.Acked, c.st.MaxSeen, c.deficit = newToken, writes.Load(), 0, 0, 0
	} else if token == "" {
		c.st.OtherStatus++
		c.violation("a 200 without a token for a new session")
		return false
	}
	c.st.Acked++
	c.st.Last = count
	c.st.MaxSeen = max(c.st.MaxSeen, count)
	if d := c.st.Acked - count; d > c.deficit {
		c.st.Lost += d - c.deficit
		c.deficit = d
		c.violation("LOST: count %d after %d acknowledged increments", count, c.st.Acked)
	}
	if count > c.st.Sent {
		c.st.Phantom = max(c.st.Phantom, count-c.st.Sent)
		c.violation("PHANTOM: count %d after only %d requests sent", count, c.st.Sent)
	}
	return true
}

// violation records a failed check (with c.mu held); the first few are
// kept with their text.
func (c *Client) violation(format string, args ...any) {
	if len(c.st.Violations) < 10 {
		c.st.Violations = append(c.st.Violations, fmt.Sprintf(format, args...))
	}
}

// roundTrip sends req and returns the status, the count of a 200's JSON
// body and the token header of the response. A 200 whose body is not a
// complete JSON count is an error.
func (c *Client) roundTrip(req *http.Request) (status int, count int64, token string, err error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return 0, 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, 0, "", nil
	}
	var v struct {
		Visits *int64 `json:"visits"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Visits == nil {
		return 0, 0, "", fmt.Errorf("200 without a JSON count: %q (%v)", body, err)
	}
	return resp.StatusCode, *v.Visits, resp.Header.Get("X-Session-Token"), nil
}

// Verify stops the load, then sends every client's session one more
// request through the app (a final read: it increments too, and is
// checked like the others), and fails the test for every client whose
// checks failed during the load or now: acknowledged ≤ count ≤ sent, no
// session replaced, no request hung. The app must be up. It returns the
// totals.
func (l *Load) Verify(t testing.TB) Stats {
	t.Helper()
	l.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout+5*time.Second)
	defer cancel()
	for i, c := range l.clients {
		if c.Stats().Token == "" {
			continue // never got a session
		}
		if !c.Do(ctx) {
			t.Errorf("client %d: the final read through the app failed: %+v", i, c.Stats())
		}
	}
	for i, s := range l.Stats() {
		if len(s.Violations) > 0 || s.Lost > 0 || s.Phantom > 0 || s.Replaced > 0 || s.Hung > 0 {
			t.Errorf("client %d: acknowledged %d, sent %d, final count %d, lost %d, phantom %d, replaced %d, hung %d: %s",
				i, s.Acked, s.Sent, s.Last, s.Lost, s.Phantom, s.Replaced, s.Hung, strings.Join(s.Violations, "; "))
		}
	}
	return l.Total()
}
