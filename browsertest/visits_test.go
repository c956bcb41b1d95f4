package browsertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The tracker's demo accounts (README: "The visit tracker").
const (
	alicePassword = "alice-demo-password"
	bobPassword   = "bob-demo-password"
)

// chromium returns the path of the Chromium (or Chrome) to drive:
// $CHROME_PATH, or the first browser on $PATH. Without one the test fails
// when CI is set (the CI machine must have it: .ci/run installs Debian's
// chromium) and skips elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium on $PATH (install Debian's chromium package, or set CHROME_PATH)"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg + "; CI is set, so this fails instead of skipping")
	}
	t.Skip(msg + "; skipping the real-browser test outside CI")
	return ""
}

// buildTracker builds cmd/visits into a temporary directory, once per
// test binary.
func buildTracker(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..") // the test runs in browsertest/
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "visits")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/visits")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/visits: %v\n%s", err, out)
	}
	return bin
}

var listeningRE = regexp.MustCompile(`msg="visits: listening" addr=(\S+)`)

// startTracker runs the tracker on 127.0.0.1 (a port of its choosing) with
// store, and returns its base URL once it listens. The process is killed
// when the test ends.
func startTracker(t *testing.T, bin, store string) string {
	t.Helper()
	dir := t.TempDir()
	if store == "sqlite" {
		store = "sqlite:" + filepath.Join(dir, "sessions.db")
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-store", store, "-data", dir)
	cmd.Env = append(os.Environ(), "SESSION_SECRET=a browser-test secret of more than 32 bytes")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the tracker: %v", err)
	}
	addr := make(chan string, 1)
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("tracker: " + sc.Text())
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-logDone // t.Log must not run after the test ends
		_ = cmd.Wait()
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-logDone:
		t.Fatal("the tracker exited before it listened")
	case <-time.After(60 * time.Second):
		t.Fatal("the tracker did not listen within 60s")
	}
	return ""
}

// device is one browser profile (a Chromium browser context: its own
// cookies) with one tab.
type device struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string
}

func newDevice(t *testing.T, browser context.Context, name, base string) *device {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return &device{t: t, name: name, ctx: ctx, base: base}
}

// load runs steps that navigate (a Navigate, a Click on a submit button)
// and returns the HTTP status of the document the navigation ends on,
// after redirects.
func (d *device) load(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	d.t.Helper()
	res, err := chromedp.RunResponse(d.ctx, steps...)
	if err != nil {
		d.t.Fatalf("%s: %s: %v", d.name, what, err)
	}
	if res == nil {
		d.t.Fatalf("%s: %s: no document response", d.name, what)
	}
	return res.Status
}

// open navigates to path and fails unless the page answers want.
func (d *device) open(path string, want int64) {
	d.t.Helper()
	if got := d.load("GET "+path, chromedp.Navigate(d.base+path)); got != want {
		d.t.Fatalf("%s: GET %s: status %d, want %d", d.name, path, got, want)
	}
}

// text returns the visible text of the first element sel matches.
func (d *device) text(sel string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		d.t.Fatalf("%s: text of %s: %v", d.name, sel, err)
	}
	return strings.TrimSpace(s)
}

// count returns how many elements sel matches.
func (d *device) count(sel string) int {
	d.t.Helper()
	nodes, err := chromedp.Run(d.ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		d.t.Fatalf("%s: count %s: %v", d.name, sel, err)
	}
	return len(nodes)
}

// heading is the page's <h1>.
func (d *device) heading() string { d.t.Helper(); return d.text("h1") }

// signedInAs returns who the page header says is signed in, "" for nobody.
func (d *device) signedInAs() string {
	d.t.Helper()
	if d.count("header .user strong") == 0 {
		return ""
	}
	return d.text("header .user strong")
}

// signIn fills in the sign-in form on the current page and submits it,
// returning the status of the page it ends on.
func (d *device) signIn(user, password string) int64 {
	d.t.Helper()
	return d.load("sign in as "+user,
		chromedp.SetValue(chromedp.CSS(`form.signin input[name="user"]`), user),
		chromedp.SetValue(chromedp.CSS(`form.signin input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)),
	)
}

// wantVisits checks the page shows n visits, worded as the tracker words
// them.
func (d *device) wantVisits(n int) {
	d.t.Helper()
	want := fmt.Sprintf("You have visited this page %d times.", n)
	if n == 1 {
		want = "You have visited this page 1 time."
	}
	if got := d.heading(); got != want {
		d.t.Errorf("%s: heading %q, want %q", d.name, got, want)
	}
}

// TestTwoDevices signs one user in on two browser profiles, lists both
// sessions on the first, signs the second out from there, and checks the
// second's next page is signed out; the count goes on through sign-in and
// reloads.
func TestTwoDevices(t *testing.T) {
	exe := chromium(t)
	bin := buildTracker(t)
	for _, store := range []string{"sqlite", "memory"} {
		t.Run(store, func(t *testing.T) {
			base := startTracker(t, bin, store)
			browser := startBrowser(t, exe)
			laptop := newDevice(t, browser, "laptop", base)
			phone := newDevice(t, browser, "phone", base)

			// The count, singular then plural, on the laptop.
			laptop.open("/", http.StatusOK)
			laptop.wantVisits(1)
			laptop.load("reload", chromedp.Reload())
			laptop.wantVisits(2)
			if who := laptop.signedInAs(); who != "" {
				t.Errorf("laptop: signed in as %q before signing in", who)
			}

			// Signing in keeps the count (the form on /login).
			laptop.open("/login", http.StatusOK)
			if st := laptop.signIn("alice", alicePassword); st != http.StatusOK {
				t.Fatalf("laptop: sign-in ended on status %d, want 200", st)
			}
			laptop.wantVisits(3)
			if who := laptop.signedInAs(); who != "alice" {
				t.Fatalf("laptop: signed in as %q, want alice", who)
			}

			// The phone: a wrong password is refused and loses nothing,
			// then the right one signs in (the form on /).
			phone.open("/", http.StatusOK)
			phone.wantVisits(1)
			if st := phone.signIn("alice", bobPassword); st != http.StatusUnauthorized {
				t.Errorf("phone: wrong password: status %d, want 401", st)
			}
			if msg := phone.text(".error"); !strings.Contains(msg, "Wrong name or password") {
				t.Errorf("phone: wrong password: error %q", msg)
			}
			if st := phone.signIn("alice", alicePassword); st != http.StatusOK {
				t.Fatalf("phone: sign-in ended on status %d, want 200", st)
			}
			phone.wantVisits(2)
			if who := phone.signedInAs(); who != "alice" {
				t.Fatalf("phone: signed in as %q, want alice", who)
			}
			if laptop.load("reload", chromedp.Reload()); laptop.signedInAs() != "alice" {
				t.Fatal("laptop: signed out by the phone's sign-in")
			}
			laptop.wantVisits(4)

			// The laptop's account page lists both sessions.
			laptop.open("/account", http.StatusOK)
			if n := laptop.count("li.session"); n != 2 {
				t.Fatalf("laptop: account lists %d sessions, want 2", n)
			}
			if n := laptop.count("li.session.current .this-device"); n != 1 {
				t.Errorf("laptop: %d sessions marked this device, want 1", n)
			}
			if b := laptop.text("li.session.current .browser"); !strings.HasPrefix(b, "Headless Chrome ") && !strings.HasPrefix(b, "Chrome ") {
				t.Errorf("laptop: its own session's browser is %q, want Chrome's name and version", b)
			}
			if b := laptop.text("li.session:not(.current) .browser"); b == "" || b == "Unknown browser" {
				t.Errorf("laptop: the phone's browser is %q, want Chrome's name and version", b)
			}
			for _, sel := range []string{"li.session.current time", "li.session:not(.current) time"} {
				if got := laptop.text(sel); got != "just now" && !strings.HasSuffix(got, "ago") {
					t.Errorf("laptop: %s = %q, want a relative time", sel, got)
				}
			}
			if n := laptop.count("li.session.current form"); n != 0 {
				t.Errorf("laptop: a sign-out form on this device's own row")
			}
			if n := laptop.count(".end-others button"); n != 1 {
				t.Errorf("laptop: %d \"Sign out everywhere else\" buttons, want 1", n)
			}

			// It signs the phone out.
			if st := laptop.load("sign out the phone", chromedp.Click(chromedp.CSS(`li.session:not(.current) form button`))); st != http.StatusOK {
				t.Fatalf("laptop: signing the phone out ended on status %d", st)
			}
			if n := laptop.count("li.session"); n != 1 {
				t.Errorf("laptop: account lists %d sessions after signing the phone out, want 1", n)
			}

			// The phone's next page load is signed out, with a new count.
			phone.load("reload", chromedp.Reload())
			if who := phone.signedInAs(); who != "" {
				t.Errorf("phone: still signed in as %q after the laptop signed it out", who)
			}
			phone.wantVisits(1)
			if n := phone.count(`form.signin input[name="password"]`); n != 1 {
				t.Error("phone: no sign-in form after being signed out")
			}
			phone.open("/account", http.StatusOK) // redirected to sign in
			if h := phone.heading(); h != "Sign in" {
				t.Errorf("phone: /account signed out shows %q, want the sign-in page", h)
			}

			// The laptop is still signed in, its count going on.
			laptop.open("/", http.StatusOK)
			laptop.wantVisits(5)
			if who := laptop.signedInAs(); who != "alice" {
				t.Errorf("laptop: signed in as %q, want alice", who)
			}
		})
	}
}

// TestCrossSiteFormRefused: a page on another site posts a sign-in form to
// the tracker (login CSRF); Chromium sends it with Sec-Fetch-Site:
// cross-site and the tracker answers 403, changing nothing.
func TestCrossSiteFormRefused(t *testing.T) {
	exe := chromium(t)
	base := startTracker(t, buildTracker(t), "memory")
	// localhost is another site than 127.0.0.1.
	evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><title>evil</title>
<form method="post" action="%s/login"><input name="user" value="bob"><input name="password" value="%s">
<button id="go" type="submit">Win a prize</button></form>`, base, bobPassword)
	}))
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	evil.Listener = ln
	evil.Start()
	t.Cleanup(evil.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	evilURL := "http://localhost:" + port + "/"

	browser := startBrowser(t, exe)
	d := newDevice(t, browser, "victim", base)
	d.open("/", http.StatusOK)
	d.wantVisits(1)

	if st := d.load("open the other site", chromedp.Navigate(evilURL)); st != http.StatusOK {
		t.Fatalf("the other site: status %d", st)
	}
	if st := d.load("submit its form", chromedp.Click(chromedp.ID("go"))); st != http.StatusForbidden {
		t.Errorf("cross-site POST /login: status %d, want 403", st)
	}
	if h := d.heading(); h != "Request refused" {
		t.Errorf("cross-site POST /login: heading %q, want Request refused", h)
	}

	d.open("/", http.StatusOK)
	if who := d.signedInAs(); who != "" {
		t.Errorf("the other site signed the victim in as %q", who)
	}
	d.wantVisits(2)
}

// startBrowser starts headless Chromium and returns a context whose
// children are tabs in it. It is closed when the test ends.
func startBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses root with its sandbox
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	return browser
}
