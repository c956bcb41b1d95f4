package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

// startVisits runs the app (run, as main does) on a free port with args
// and the environment vars, and returns its base URL. The server is
// shut down when the test ends.
func startVisits(t *testing.T, args []string, vars map[string]string) string {
	t.Helper()
	addrc := make(chan string, 1)
	// Only warnings reach the test log; the Info "listening" record still
	// reaches addrHandler.
	log := slog.New(addrHandler{Handler: levelFloor{slog.NewTextHandler(t.Output(), nil), slog.LevelWarn}, addr: addrc})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), env(vars), log)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run %q: %v", args, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("run %q did not stop within 30s", args)
		}
	})
	select {
	case addr := <-addrc:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("run %q returned before listening: %v", args, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("run %q did not listen within 60s", args)
	}
	return ""
}

// levelFloor drops records below min, except that Enabled says yes to
// everything so that addrHandler still sees the Info "listening" record.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(context.Context, slog.Level) bool { return true }

func (h levelFloor) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

// visitCount GETs url with c and returns the count on the page.
func visitCount(c *http.Client, url string) (int, error) {
	res, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	m := h1RE.FindSubmatch(b)
	if res.StatusCode != http.StatusOK || m == nil {
		return 0, fmt.Errorf("GET %s: status %d, body %q", url, res.StatusCode, b)
	}
	f := strings.Fields(string(m[1])) // You have visited this page N time(s).
	if len(f) < 6 {
		return 0, fmt.Errorf("GET %s: heading %q", url, m[1])
	}
	return strconv.Atoi(f[5])
}

// sharedStores are the -store values two instances of the app can share.
// Each is a func so that a server is only started by the test that uses it.
var sharedStores = []struct {
	name  string
	store func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "shared.db") }},
	{"redis", func(t *testing.T) string { return testenv.Redis(t) }},
	{"postgres", func(t *testing.T) string { return testenv.Postgres(t) }},
}

// TestTwoInstancesShareSessions runs two instances of the app on one store
// and alternates a visitor's requests between them: the count goes on.
func TestTwoInstancesShareSessions(t *testing.T) {
	for _, s := range sharedStores {
		t.Run(s.name, func(t *testing.T) {
			store := s.store(t)
			vars := map[string]string{"SESSION_SECRET": "shared secret for both instances"}
			a := startVisits(t, []string{"-store", store, "-data", t.TempDir()}, vars)
			b := startVisits(t, []string{"-store", store, "-data", t.TempDir()}, vars)

			// The jar ignores ports, so both instances see the cookie.
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			for i, url := range []string{a, b, a, b, b, a} {
				n, err := visitCount(c, url+"/")
				if err != nil {
					t.Fatalf("visit %d: %v", i+1, err)
				}
				if n != i+1 {
					t.Fatalf("visit %d (on %s) counted %d, want %d", i+1, url, n, i+1)
				}
			}
		})
	}
}

// TestParallelVisitsOneSession sends 100 visits of one session at once,
// half to each of two instances where the store is shared, and checks
// that every one of them was counted (the store's atomic increment).
func TestParallelVisitsOneSession(t *testing.T) {
	stores := append([]struct {
		name  string
		store func(t *testing.T) string
	}{{"memory", func(*testing.T) string { return "memory" }}}, sharedStores...)
	const parallel = 100
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			store := s.store(t)
			vars := map[string]string{"SESSION_SECRET": "shared secret for both instances"}
			urls := []string{startVisits(t, []string{"-store", store, "-data", t.TempDir()}, vars)}
			if store != "memory" {
				urls = append(urls, startVisits(t, []string{"-store", store, "-data", t.TempDir()}, vars))
			}
			jar, _ := cookiejar.New(nil)
			tr := &http.Transport{MaxIdleConnsPerHost: parallel}
			// Before the servers stop: a dialled connection that never
			// carried a request would hold Shutdown for 5s.
			t.Cleanup(tr.CloseIdleConnections)
			c := &http.Client{Jar: jar, Transport: tr}
			if n, err := visitCount(c, urls[0]+"/"); err != nil || n != 1 {
				t.Fatalf("first visit = %d, %v; want 1", n, err)
			}

			var wg sync.WaitGroup
			seen := make([]int, parallel)
			for i := range parallel {
				wg.Go(func() {
					n, err := visitCount(c, urls[i%len(urls)]+"/")
					if err != nil {
						t.Errorf("parallel visit %d: %v", i, err)
					}
					seen[i] = n
				})
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			// Each visit saw the count its own increment made: all distinct.
			counted := make(map[int]bool, parallel)
			for _, n := range seen {
				if n < 2 || n > parallel+1 || counted[n] {
					t.Errorf("parallel visits saw counts %v: want each of 2..%d once", seen, parallel+1)
					break
				}
				counted[n] = true
			}
			n, err := visitCount(c, urls[len(urls)-1]+"/")
			if err != nil {
				t.Fatal(err)
			}
			if want := parallel + 2; n != want {
				t.Errorf("after 1 + %d parallel visits the next one counted %d, want %d (lost %d)", parallel, n, want, want-n)
			}
		})
	}
}
