package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PostgresURLEnv names the environment variable that points the
// PostgreSQL tests at an existing server instead of a throwaway one, e.g.
// postgres://postgres:secret@localhost:5432/postgres?sslmode=disable. Its
// role must be allowed to create databases.
const PostgresURLEnv = "SESSION_TEST_POSTGRES_URL"

const (
	// pgCmdTimeout bounds initdb, pg_ctl start and pg_ctl stop.
	pgCmdTimeout = 120 * time.Second
	// pgReadyTimeout bounds the wait for a started server to accept
	// connections.
	pgReadyTimeout = 60 * time.Second
)

// Postgres returns the URL of an empty database for t, on a PostgreSQL
// server, dropped or stopped when t ends.
//
// With SESSION_TEST_POSTGRES_URL set, it creates a database (UTF8, C
// locale) with a unique name on that server and drops it at cleanup. Otherwise it starts a
// throwaway server (see StartPostgres) and returns the URL of its
// "postgres" database. Either way, every call gets a database of its own.
func Postgres(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(PostgresURLEnv); u != "" {
		return freshDatabase(t, u)
	}
	return StartPostgres(t).URL()
}

// PostgresServer is a throwaway PostgreSQL server started by
// StartPostgres: its own data directory, a TCP port on 127.0.0.1, trust
// authentication for the user "postgres", fsync off. Stop and Start stop
// and restart the same server (same data, same port), for fault tests.
type PostgresServer struct {
	bin    string // directory holding initdb, pg_ctl and postgres
	dir    string // owned by the server's user: data/, the socket, the log
	port   int
	asUser string // run the server as this user (we are root), or "" for us

	mu      sync.Mutex
	running bool

	watchdog     *exec.Cmd      // stops the server if this process dies
	watchdogPipe io.WriteCloser // its standard input; closing it releases it
}

// StartPostgres initializes and starts a throwaway PostgreSQL server, waits
// (bounded) until it accepts connections, and registers a cleanup that
// stops it (pg_ctl stop -m fast) and deletes its files. It needs the server
// binaries: it looks for initdb and pg_ctl in /usr/lib/postgresql/*/bin
// (Debian's layout, newest version first), then on PATH, and fails the
// test, never skipping, naming the Debian package when they are missing.
// As root, the server runs as the user "postgres", since initdb refuses
// to run as root. A watchdog process stops the server and removes its
// files should the test process die without cleaning up.
//
// It ignores SESSION_TEST_POSTGRES_URL: use it where the test must control
// the server.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	s := &PostgresServer{bin: postgresBin(t)}
	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("testenv: running as root, and initdb refuses to: the user \"postgres\" (created by the Debian package `postgresql`) is needed to run the server: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		s.asUser = "postgres"
	}
	// A short path under the system temporary directory: the socket's path
	// must fit in 107 bytes, and the server's user must be able to reach
	// it (t.TempDir is private to us).
	dir, err := os.MkdirTemp("", "sessionkit-pg-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.dir = dir
	t.Cleanup(func() { s.cleanup(t) })
	s.startWatchdog(t)
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
	if out, err := s.pgCmd("initdb", "-D", s.dataDir(), "--auth=trust", "-U", "postgres",
		"--no-sync", "--encoding=UTF8", "--locale=C"); err != nil {
		t.Fatalf("testenv: initdb: %v\n%s", err, out)
	}
	// The port is free when chosen but may be taken before the server
	// binds it: try a few.
	for attempt := 1; ; attempt++ {
		s.port = pgFreePort(t)
		err := s.start()
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("testenv: starting PostgreSQL: %v", err)
		}
	}
	return s
}

// URL returns the URL of the server's "postgres" database, as the
// superuser "postgres".
func (s *PostgresServer) URL() string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(s.port) + "/postgres?sslmode=disable"
}

// Stop stops the server (pg_ctl stop -m fast: open sessions are ended).
// Its data is kept for Start.
func (s *PostgresServer) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop("fast"); err != nil {
		t.Fatalf("testenv: stopping PostgreSQL: %v", err)
	}
}

// Start starts the server again after Stop, on the same port and data, and
// waits (bounded) until it accepts connections.
func (s *PostgresServer) Start(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("testenv: restarting PostgreSQL: %v", err)
	}
}

// Crash stops the server as a crash would: pg_ctl stop -m immediate, every
// server process exits at once, without a shutdown checkpoint, ending open
// sessions and leaving transactions in progress unfinished; the next
// Start recovers from the WAL. Its data is kept for Start, on the same
// port. It fails the test if the server does not stop.
//
// The throwaway server runs with synchronous_commit=off, so a crash may
// lose the commits of its last moments (up to three wal_writer_delay, 600
// ms by default) although their clients were told they committed: a test
// of what a crash keeps calls DurableCommits first.
func (s *PostgresServer) Crash(t testing.TB) {
	t.Helper()
	if err := s.stop("immediate"); err != nil {
		t.Fatalf("testenv: crashing PostgreSQL: %v", err)
	}
}

// DurableCommits makes the commits of every later connection to the
// "postgres" database durable across a crash of the server (Crash):
// ALTER DATABASE postgres SET synchronous_commit = on, which overrides the
// server's command line (synchronous_commit=off). Connections already open
// keep their setting. fsync stays off, so a commit survives a crash of the
// server, whose writes are in the operating system's cache, but not a
// crash of the machine. It fails the test on error.
func (s *PostgresServer) DurableCommits(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgReadyTimeout)
	defer cancel()
	if _, err := PSQL(ctx, s.URL(), "ALTER DATABASE postgres SET synchronous_commit = on"); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}

// PID returns the process ID of the running server's postmaster, or 0
// when it is not running.
func (s *PostgresServer) PID() int {
	b, err := os.ReadFile(filepath.Join(s.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

func (s *PostgresServer) dataDir() string { return filepath.Join(s.dir, "data") }

func (s *PostgresServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return errors.New("already running")
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
		s.port, s.dir)
	out, err := s.pgCmd("pg_ctl", "-D", s.dataDir(), "-l", filepath.Join(s.dir, "server.log"),
		"-w", "-t", strconv.Itoa(int(pgReadyTimeout/time.Second)), "-o", opts, "start")
	if err != nil {
		// pg_ctl may give up waiting on a server that then starts.
		if s.PID() != 0 {
			s.running = true
			s.stopLocked("immediate")
		}
		return fmt.Errorf("pg_ctl start: %v\n%s\nserver log:\n%s", err, out, s.log())
	}
	s.running = true
	// pg_ctl -w waited for the server through its socket; make sure it
	// answers on TCP, where the tests connect.
	ctx, cancel := context.WithTimeout(context.Background(), pgReadyTimeout)
	defer cancel()
	for {
		_, err := PSQL(ctx, s.URL(), "SELECT 1")
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			s.stopLocked("immediate")
			return fmt.Errorf("server not accepting connections on port %d after %v: %w\nserver log:\n%s",
				s.port, pgReadyTimeout, err, s.log())
		}
		time.Sleep(50 * time.Millisecond) // bounded polling of the server's readiness
	}
}

func (s *PostgresServer) stop(mode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked(mode)
}

func (s *PostgresServer) stopLocked(mode string) error {
	if !s.running {
		return nil
	}
	out, err := s.pgCmd("pg_ctl", "-D", s.dataDir(), "-m", mode, "-w",
		"-t", strconv.Itoa(int(pgReadyTimeout/time.Second)), "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	s.running = false
	return nil
}

// cleanup stops the server, harder if need be, and removes its files.
func (s *PostgresServer) cleanup(t testing.TB) {
	if err := s.stop("fast"); err != nil {
		t.Errorf("testenv: %v", err)
		if err := s.stop("immediate"); err != nil {
			t.Errorf("testenv: %v", err)
			if pid := s.PID(); pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if t.Failed() {
		if l := s.log(); l != "" {
			t.Logf("testenv: PostgreSQL server log:\n%s", l)
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		t.Errorf("testenv: %v", err)
	}
	if s.watchdog != nil {
		s.watchdogPipe.Close()
		s.watchdog.Wait()
	}
}

// watchdogScript waits for its standard input to close, which happens
// when the test process exits however it ends (killed, or a -timeout
// panic, which runs no cleanup), then stops the server with an immediate
// shutdown if it is still running, and removes its files. After a normal
// cleanup it finds nothing to do.
const watchdogScript = `cat >/dev/null
pidfile="$1/data/postmaster.pid"
if [ -f "$pidfile" ]; then
	pid=$(head -n 1 "$pidfile")
	kill -QUIT "$pid" 2>/dev/null
	i=0
	while [ -f "$pidfile" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$1"
`

// startWatchdog starts the watchdog, in a session of its own so that a ^C
// to the test does not kill it too.
func (s *PostgresServer) startWatchdog(t testing.TB) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "pg-watchdog", s.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	pipe, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting the PostgreSQL watchdog: %v", err)
	}
	s.watchdog, s.watchdogPipe = cmd, pipe
}

func (s *PostgresServer) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return string(b)
}

// pgCmd runs one of the server binaries, as the server's user, and returns
// its combined output.
func (s *PostgresServer) pgCmd(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgCmdTimeout)
	defer cancel()
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = s.dir
	// Neither a locale nor a PG* variable of ours may leak into the server.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// postgresBin returns the directory holding the server binaries.
func postgresBin(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first.
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if pgIsExecutable(filepath.Join(d, "initdb")) && pgIsExecutable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if d := filepath.Dir(p); pgIsExecutable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	t.Fatalf("testenv: the PostgreSQL server binaries (initdb, pg_ctl) are not in /usr/lib/postgresql/*/bin nor on PATH: " +
		"install the Debian package `postgresql` (apt-get install postgresql), or set " + PostgresURLEnv + " to a server's URL")
	return ""
}

func pgIsExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func pgFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freshDatabase creates a UTF8 database with a unique name on the server
// at serverURL, drops it at cleanup, and returns its URL.
func freshDatabase(t testing.TB, serverURL string) string {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("testenv: %s must be a postgres:// URL, got %q", PostgresURLEnv, serverURL)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "sessiontest_" + hex.EncodeToString(b)
	quoted := `"` + name + `"` // hex digits and an underscore: nothing to escape

	ctx, cancel := context.WithTimeout(context.Background(), pgCmdTimeout)
	defer cancel()
	// UTF8 whatever the server's default (pgx's simple protocol needs it),
	// with the C locale, which every server has.
	if _, err := PSQL(ctx, serverURL, "CREATE DATABASE "+quoted+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		t.Fatalf("testenv: creating a test database on %s (its role needs CREATEDB): %v", PostgresURLEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pgCmdTimeout)
		defer cancel()
		// WITH (FORCE) ends sessions the test left open (PostgreSQL 13+).
		if _, err := PSQL(ctx, serverURL, "DROP DATABASE IF EXISTS "+quoted+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: dropping test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// PSQL runs one SQL command on the database at url with psql (Debian's
// postgresql-client, which the server package brings) and returns its
// result unaligned, without headers or the trailing newline. It returns an
// error with psql's message when the server cannot be reached or the
// command fails. The test helpers use it so that this package needs no
// PostgreSQL driver (the root module requires no driver).
func PSQL(ctx context.Context, url, sql string) (string, error) {
	bin, err := psqlPath()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql)
	// No PG* variable of the environment may redirect the command.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "PGCONNECT_TIMEOUT=5"}
	cmd.WaitDelay = 5 * time.Second
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", sql, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimRight(out.String(), "\n"), nil
}

// psqlPath finds psql on PATH or beside the newest server binaries.
func psqlPath() (string, error) {
	if p, err := exec.LookPath("psql"); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/psql")
	slices.Sort(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if pgIsExecutable(dirs[i]) {
			return dirs[i], nil
		}
	}
	return "", errors.New("testenv: psql is not on PATH nor in /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (or `postgresql-client`)")
}
