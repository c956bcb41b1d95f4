package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// load is what one wrk run measured.
type load struct {
	rps      float64 // requests per second
	requests int     // requests completed
	bad      int     // non-2xx/3xx responses and socket errors
}

var (
	rpsRe      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	requestsRe = regexp.MustCompile(`(\d+) requests in`)
	non2xxRe   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	socketRe   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// wrkRun is one wrk invocation: the connections, and either a cookie
// header or a Lua script with its arguments.
type wrkRun struct {
	threads, conns int
	duration       time.Duration
	cookie         string   // sent with every request when not ""
	script         string   // a Lua script, when not ""
	scriptArgs     []string // after "--"
}

// run runs wrk against url and parses its summary.
func (w wrkRun) run(t *testing.T, url string) load {
	t.Helper()
	args := []string{"-t" + strconv.Itoa(w.threads), "-c" + strconv.Itoa(w.conns), "-d" + w.duration.String()}
	if w.cookie != "" {
		args = append(args, "-H", "Cookie: "+w.cookie)
	}
	if w.script != "" {
		args = append(args, "-s", w.script)
	}
	args = append(args, url)
	if len(w.scriptArgs) > 0 {
		args = append(append(args, "--"), w.scriptArgs...)
	}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return parseWrk(t, string(out))
}

func parseWrk(t *testing.T, out string) load {
	t.Helper()
	var l load
	m := rpsRe.FindStringSubmatch(out)
	n := requestsRe.FindStringSubmatch(out)
	if m == nil || n == nil {
		t.Fatalf("wrk output without a summary:\n%s", out)
	}
	l.rps, _ = strconv.ParseFloat(m[1], 64)
	l.requests, _ = strconv.Atoi(n[1])
	if m := non2xxRe.FindStringSubmatch(out); m != nil {
		k, _ := strconv.Atoi(m[1])
		l.bad += k
	}
	if m := socketRe.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			k, _ := strconv.Atoi(s)
			l.bad += k
		}
	}
	return l
}

// client makes the requests around the loads: no keep-alive pool limits,
// no cookie jar (cookies are handled by hand).
var client = &http.Client{Timeout: 30 * time.Second}

// visit sends GET / with cookie ("" for none) and returns the cookie the
// response set ("name=value", or cookie when none) and the count shown.
func visit(ctx context.Context, url, cookie string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return "", 0, err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return "", 0, err
	}
	if res.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
		cookie, _, _ = strings.Cut(sc[len(sc)-1], ";")
	}
	return cookie, shownCount(string(body)), nil
}

// shownCount is N in "You have visited this page N times." (or "1
// time."), or -1.
func shownCount(body string) int {
	_, rest, ok := strings.Cut(body, "visited this page ")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(strings.Fields(rest)[0])
	if err != nil {
		return -1
	}
	return n
}

// newVisitorCookie is the cookie a new visitor of url gets on GET /.
func newVisitorCookie(url string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		c, _, err := visit(ctx, url, "")
		if err == nil && c == "" {
			err = fmt.Errorf("no cookie set")
		}
		return c, err
	}
}

// cookieFile fetches n new visitors' cookies from url, 8 at a time, and
// writes them to a file, one per line, for rotate.lua. Without fetch
// (the bare handler, which sets none) the file holds a dummy cookie n
// times, so that wrk does the same work.
func cookieFile(t *testing.T, url string, n int, fetch bool) string {
	t.Helper()
	if !fetch {
		return writeLines(t, bareCookies(n))
	}
	return writeLines(t, fetchCookies(t, url, n, 8, newVisitorCookie(url)))
}

// bareCookies are n dummy cookies, for the bare handler.
func bareCookies(n int) []string {
	cookies := make([]string, n)
	for i := range cookies {
		cookies[i] = "bare=" + strconv.Itoa(i)
	}
	return cookies
}

// fetchCookies returns n cookies, each from a call of get, parallel calls
// at a time; it fails the test if one fails.
func fetchCookies(t *testing.T, url string, n, parallel int, get func(ctx context.Context) (string, error)) []string {
	t.Helper()
	cookies := make([]string, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail error
	)
	next := make(chan int)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := get(context.Background())
				if err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
					continue
				}
				cookies[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if fail != nil {
		t.Fatalf("fetching %d cookies from %s: %v", n, url, fail)
	}
	return cookies
}

// signInForm is the demo sign-in, as cmd/visits' form posts it (the peers
// ignore the password).
const signInForm = "user=alice&password=alice-demo-password"

// signedInMessage is what /me shows for the demo sign-in
// (web.SignedInMessage("alice")).
const signedInMessage = "Signed in as alice."

// noRedirects is client without following redirects: POST /login answers
// 303 with the cookie.
var noRedirects = &http.Client{Timeout: client.Timeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn posts signInForm to base's /login (base ends in "/") and returns
// the cookie the response sets ("name=value").
func signIn(base string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"login", strings.NewReader(signInForm))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := noRedirects.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return "", err
		}
		if res.StatusCode != http.StatusSeeOther {
			return "", fmt.Errorf("POST %slogin: %s, want 303 See Other: %.200s", base, res.Status, body)
		}
		sc := res.Header.Values("Set-Cookie")
		if len(sc) == 0 {
			return "", fmt.Errorf("POST %slogin: no cookie set", base)
		}
		c, _, _ := strings.Cut(sc[len(sc)-1], ";")
		return c, nil
	}
}

// me sends GET /me of base with cookie and returns the body and the
// cookies the response set; a status but 200 is an error.
func me(ctx context.Context, base, cookie string) (string, []string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"me", nil)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Cookie", cookie)
	res, err := noRedirects.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return "", nil, err
	}
	if res.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("GET %sme: %s, want 200 (Location %q)", base, res.Status, res.Header.Get("Location"))
	}
	return string(body), res.Header.Values("Set-Cookie"), nil
}

func writeLines(t *testing.T, cookies []string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "cookies")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, c := range cookies {
		fmt.Fprintln(w, c)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
