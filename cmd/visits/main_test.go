package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want config
	}{
		{
			name: "defaults",
			args: nil,
			want: config{addr: ":3000", store: "sqlite", dataDir: defaultDataDir()},
		},
		{
			name: "all set",
			args: []string{"-addr", "127.0.0.1:0", "-store", "memory", "-data", "/tmp/x", "-trust-proxy", "-max-age", "1h30m"},
			want: config{addr: "127.0.0.1:0", store: "memory", dataDir: "/tmp/x", trustProxy: true, maxAge: 90 * time.Minute},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tt.args, err)
			}
			if got != tt.want {
				t.Errorf("parseFlags(%q) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"-max-age", "soon"},
		{"-addr", ":3000", "extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q): got nil error, want one", args)
		}
	}
}

func TestOpenStore(t *testing.T) {
	for _, name := range []string{"memory", "sqlite", "sqlite:" + filepath.Join(t.TempDir(), "x", "s.db")} {
		s, closeStore, err := openStore(context.Background(), config{store: name, dataDir: t.TempDir()})
		if err != nil || s == nil {
			t.Fatalf("openStore(%s) = %v, %v; want a store", name, s, err)
		}
		if _, ok := s.(session.Patcher); !ok {
			t.Errorf("openStore(%s) hides the store's Patcher", name)
		}
		if err := closeStore(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}

	for _, name := range []string{"redis", "", "Memory"} {
		_, closeStore, err := openStore(context.Background(), config{store: name})
		if err == nil {
			closeStore()
			t.Errorf("openStore(%q): got nil error, want one", name)
			continue
		}
		if want := "unknown -store"; !strings.Contains(err.Error(), want) {
			t.Errorf("openStore(%q) error = %q, want it to contain %q", name, err, want)
		}
	}
}

func TestRunRejectsUnknownStore(t *testing.T) {
	err := run(context.Background(),
		[]string{"-addr", "127.0.0.1:0", "-store", "redis", "-data", t.TempDir()},
		env(nil), testLogger(t))
	if err == nil || !strings.Contains(err.Error(), `unknown -store "redis"`) {
		t.Errorf("run with -store redis = %v, want an unknown -store error", err)
	}
}

func TestLoadSecretsFromEnv(t *testing.T) {
	tests := []struct {
		env  string
		want []string
	}{
		{"a,b", []string{"a", "b"}},
		{"only", []string{"only"}},
		{" new , ,old ", []string{"new", "old"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		got, err := loadSecrets(env(map[string]string{"SESSION_SECRET": tt.env}), dir, testLogger(t))
		if err != nil {
			t.Errorf("SESSION_SECRET=%q: %v", tt.env, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("SESSION_SECRET=%q: got %q, want %q", tt.env, got, tt.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "dev-secret")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("SESSION_SECRET=%q: dev-secret written anyway (stat: %v)", tt.env, err)
		}
	}
}

func TestLoadSecretsRejectsEmpty(t *testing.T) {
	for _, v := range []string{",", " , ", ",,,", " "} {
		if got, err := loadSecrets(env(map[string]string{"SESSION_SECRET": v}), t.TempDir(), testLogger(t)); err == nil {
			t.Errorf("SESSION_SECRET=%q: got %q, want an error", v, got)
		}
	}
}

func TestLoadSecretsDevSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	first, err := loadSecrets(env(nil), dir, testLogger(t))
	if err != nil {
		t.Fatalf("first loadSecrets: %v", err)
	}
	if len(first) != 1 || len(first[0]) < 32 {
		t.Fatalf("dev secrets = %q, want one secret of 32+ bytes", first)
	}
	path := filepath.Join(dir, "dev-secret")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("dev-secret not created: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("dev-secret mode = %v, want 0600", got)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != first[0] {
		t.Errorf("dev-secret holds %q, want %q", b, first[0])
	}

	// A restart reads the same secret, so its cookies still verify.
	second, err := loadSecrets(env(nil), dir, testLogger(t))
	if err != nil {
		t.Fatalf("second loadSecrets: %v", err)
	}
	if !slices.Equal(second, first) {
		t.Errorf("second call = %q, want the first's %q", second, first)
	}

	// Another data directory gets another secret.
	other, err := loadSecrets(env(nil), t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other, first) {
		t.Errorf("two data directories share the secret %q", first)
	}
}

func TestLoadSecretsEmptyDevSecret(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dev-secret"), []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := loadSecrets(env(nil), dir, testLogger(t)); err == nil {
		t.Errorf("empty dev-secret: got %q, want an error", got)
	}
}

// addrHandler is a slog.Handler that reports the address in the
// "visits: listening" record.
type addrHandler struct {
	slog.Handler
	addr chan string
}

func (h addrHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "visits: listening" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				select {
				case h.addr <- a.Value.String():
				default:
				}
				return false
			}
			return true
		})
	}
	return h.Handler.Handle(ctx, r)
}

func TestRunShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	addrc := make(chan string, 1)
	log := slog.New(addrHandler{Handler: slog.NewTextHandler(t.Output(), nil), addr: addrc})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, env(nil), log)
	}()

	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("run did not log its address within 30s")
	}

	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET / on the running server: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), visits(1)) {
		t.Errorf("GET / = %d %q, want 200 and %q", res.StatusCode, body, visits(1))
	}
	if _, err := os.Stat(filepath.Join(dir, "dev-secret")); err != nil {
		t.Errorf("run without SESSION_SECRET did not keep a dev secret: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancel")
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Errorf("server at %s still answers after run returned", addr)
	}
}

// TestRunCancelledEarly cancels before run can have started listening: it
// must still return nil promptly.
func TestRunCancelledEarly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir, log := t.TempDir(), testLogger(t)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, env(nil), log)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run with a cancelled context = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s")
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler(), testLogger(t))
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v, want a bound of at most 5m", name, d)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v > ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
}
