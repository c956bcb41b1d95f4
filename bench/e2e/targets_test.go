package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

// target is one server under load.
type target struct {
	name string
	// inCookie: the count travels in the cookie itself, so concurrent
	// requests that send one cookie cannot add up (lost updates are
	// reported for the record, not as a store's failure).
	inCookie bool
	node     bool // a Node peer (not in the smoke run)
	// command returns the program and arguments that serve on addr, and
	// extra environment.
	command func(e *env, addr string) (args []string, environ []string)
}

// env is what the targets are built from and run with.
type env struct {
	bin      string // built binaries
	data     string // the visit tracker's data directory
	nodeDir  string // bench/node
	redisURL func() string
	pgURL    func() string
}

const secret = "SESSION_SECRET=an end-to-end benchmark secret of 32+ bytes"

func visits(store string) func(e *env, addr string) ([]string, []string) {
	return func(e *env, addr string) ([]string, []string) {
		s := store
		switch store {
		case "redis":
			s = e.redisURL()
		case "postgres":
			s = e.pgURL()
		case "sqlite":
			s = "sqlite:" + filepath.Join(e.data, "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".db")
		}
		return []string{filepath.Join(e.bin, "visits"), "-addr", addr, "-store", s,
			"-data", e.data, "-max-sessions", "4000000"}, []string{secret}
	}
}

func peerCmd(name string) func(e *env, addr string) ([]string, []string) {
	return func(e *env, addr string) ([]string, []string) {
		return []string{filepath.Join(e.bin, name), "-addr", addr}, nil
	}
}

func nodeCmd(script string, environ ...string) func(e *env, addr string) ([]string, []string) {
	return func(e *env, addr string) ([]string, []string) {
		_, port, _ := net.SplitHostPort(addr)
		environ = append(environ, "PORT="+port, secret)
		for i, kv := range environ {
			if kv == "REDIS_URL=" {
				environ[i] = "REDIS_URL=" + e.redisURL()
			}
		}
		return []string{"node", filepath.Join(e.nodeDir, script)}, environ
	}
}

// targets are every server, bare (the baseline) first.
var targets = []target{
	{name: "bare", command: peerCmd("bare")},
	{name: "visits memory", command: visits("memory")},
	{name: "visits sealed", inCookie: true, command: visits("cookie")},
	{name: "visits SQLite", command: visits("sqlite")},
	{name: "visits Redis", command: visits("redis")},
	{name: "visits PostgreSQL", command: visits("postgres")},
	{name: "scs memstore", command: peerCmd("scs")},
	{name: "gorilla CookieStore", inCookie: true, command: peerCmd("gorilla")},
	{name: "express-session MemoryStore", node: true, command: nodeCmd("express-app.js")},
	{name: "express-session connect-redis", node: true, command: nodeCmd("express-app.js", "STORE=redis", "REDIS_URL=")},
	{name: "fastify secure-session", node: true, inCookie: true, command: nodeCmd("fastify-app.js")},
}

// smokeTargets are the ones the short run in `make test` loads.
var smokeTargets = map[string]bool{"bare": true, "visits memory": true, "visits sealed": true, "visits SQLite": true}

// start runs tg and returns its base URL once it answers GET /. The
// process is killed when the test ends.
func (tg target) start(t *testing.T, e *env) string {
	t.Helper()
	addr := freeAddr(t)
	args, environ := tg.command(e, addr)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), environ...)
	logf, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", tg.name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	url := "http://" + addr + "/"
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, err := visit(ctx, url, "")
		cancel()
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s did not answer on %s: %v\n%s", tg.name, addr, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// servers returns the env for the targets: binaries built into a
// temporary directory, and Redis and PostgreSQL when any target needs them.
func newEnv(t *testing.T, withServers bool) *env {
	t.Helper()
	root, err := filepath.Abs("../..") // the test runs in bench/e2e
	if err != nil {
		t.Fatal(err)
	}
	e := &env{bin: t.TempDir(), data: t.TempDir(), nodeDir: filepath.Join(root, "bench", "node")}
	build := func(dir string, pkgs ...string) {
		cmd := exec.Command("go", append([]string{"build", "-o", e.bin + "/"}, pkgs...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", pkgs, err, out)
		}
	}
	build(root, "./cmd/visits")
	build(filepath.Join(root, "bench"), "./peers/...")
	if withServers {
		redisURL, pgURL := testenv.Redis(t), testenv.Postgres(t)
		e.redisURL = func() string { return redisURL }
		e.pgURL = func() string { return pgURL }
	}
	return e
}
