package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func pgTestCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func pgQueryInt(t *testing.T, url, sql string) (int, error) {
	t.Helper()
	s, err := PSQL(pgTestCtx(t), url, sql)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// The throwaway server answers, stops and starts again on the same port
// with the same data, and is gone, files and processes, after its test.
func TestStartPostgres(t *testing.T) {
	var (
		pid int
		dir string
	)
	t.Run("server", func(t *testing.T) {
		srv := StartPostgres(t)
		pid, dir = srv.PID(), srv.dir
		if pid == 0 {
			t.Fatal("no postmaster.pid after start")
		}
		if _, err := pgQueryString(t, srv.URL(), "CREATE TABLE kept AS SELECT 42 AS n"); err != nil {
			t.Fatal(err)
		}
		srv.Stop(t)
		if _, err := pgQueryInt(t, srv.URL(), "SELECT 1"); err == nil {
			t.Fatal("connected to a stopped server")
		}
		if srv.PID() != 0 {
			t.Fatal("postmaster.pid left after stop")
		}
		srv.Start(t)
		if n, err := pgQueryInt(t, srv.URL(), "SELECT n FROM kept"); err != nil || n != 42 {
			t.Fatalf("after restart: %d, %v; want the data kept", n, err)
		}
		pid = srv.PID()
	})
	if pgProcessAlive(pid) {
		t.Errorf("postmaster %d still running after the test", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server directory %s left behind: %v", dir, err)
	}
}

// Crash stops the server at once; Start recovers it on the same port, and
// with DurableCommits every commit acknowledged before the crash is kept.
func TestPostgresCrash(t *testing.T) {
	srv := StartPostgres(t)
	if s, err := pgQueryString(t, srv.URL(), "SHOW synchronous_commit"); err != nil || s != "off" {
		t.Fatalf("synchronous_commit before DurableCommits: %q, %v; want off", s, err)
	}
	srv.DurableCommits(t)
	if s, err := pgQueryString(t, srv.URL(), "SHOW synchronous_commit"); err != nil || s != "on" {
		t.Fatalf("synchronous_commit after DurableCommits: %q, %v; want on", s, err)
	}
	// 100 commits, one a statement.
	if _, err := pgQueryString(t, srv.URL(), "CREATE TABLE kept (n int); "+strings.Repeat("INSERT INTO kept VALUES (1); ", 100)); err != nil {
		t.Fatal(err)
	}
	// A connection open across the crash: the server answers a TCP
	// connection that sent nothing only by closing it, after its
	// authentication timeout (a minute), unless it dies.
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(srv.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pid := srv.PID()
	srv.Crash(t)
	// pg_ctl returns when the postmaster has removed its pid file, just
	// before it exits: a bounded wait for the exit.
	for deadline := time.Now().Add(30 * time.Second); pgProcessAlive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d still running 30 s after Crash", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection survived the crash: read %v", err)
	}
	srv.Start(t)
	if n, err := pgQueryInt(t, srv.URL(), "SELECT count(*) FROM kept"); err != nil || n != 100 {
		t.Fatalf("after the crash: %d rows, %v; want the 100 committed", n, err)
	}
}

func pgQueryString(t *testing.T, url, sql string) (string, error) {
	t.Helper()
	return PSQL(pgTestCtx(t), url, sql)
}

// A test process that dies without its cleanups (killed, or a -timeout
// panic) leaves no server behind: the watchdog stops it.
func TestPostgresWatchdog(t *testing.T) {
	if os.Getenv("TESTENV_PG_WATCHDOG_CHILD") == "1" {
		srv := StartPostgres(t)
		fmt.Printf("server %d %s\n", srv.PID(), srv.dir)
		os.Exit(3) // no cleanup runs
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresWatchdog$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TESTENV_PG_WATCHDOG_CHILD=1")
	out, err := cmd.Output()
	var pid int
	var dir string
	if _, serr := fmt.Sscanf(string(out[bytes.Index(out, []byte("server ")):]), "server %d %s", &pid, &dir); serr != nil || pid == 0 {
		t.Fatalf("child: %v, %v: %s", err, serr, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for pgProcessAlive(pid) || pgExists(dir) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d (alive %v) or %s (exists %v) still there 60s after its test process died",
				pid, pgProcessAlive(pid), dir, pgExists(dir))
		}
		time.Sleep(50 * time.Millisecond) // polling for the watchdog's effect
	}
}

func pgExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// pgProcessAlive reports whether pid is a live process: neither gone nor a
// zombie waiting for init to reap it.
func pgProcessAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false
		}
		return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) // no /proc
	}
	i := bytes.LastIndexByte(b, ')')
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

// With SESSION_TEST_POSTGRES_URL, every call gets a database of its own,
// dropped after its test.
func TestPostgresFromEnv(t *testing.T) {
	srv := StartPostgres(t)
	t.Setenv(PostgresURLEnv, srv.URL())
	var first string
	t.Run("databases", func(t *testing.T) {
		first = Postgres(t)
		second := Postgres(t)
		if first == second {
			t.Fatalf("two calls returned the same database %s", first)
		}
		for _, u := range []string{first, second} {
			if n, err := pgQueryInt(t, u, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"); err != nil || n != 0 {
				t.Fatalf("%s: %d tables, %v; want an empty database", u, n, err)
			}
		}
	})
	if _, err := pgQueryInt(t, first, "SELECT 1"); err == nil {
		t.Fatalf("database %s still there after its test", first)
	}
}

// Without the variable, Postgres starts a server of its own.
func TestPostgresThrowaway(t *testing.T) {
	t.Setenv(PostgresURLEnv, "")
	if n, err := pgQueryInt(t, Postgres(t), "SELECT 1"); err != nil || n != 1 {
		t.Fatalf("SELECT 1 = %d, %v", n, err)
	}
}
