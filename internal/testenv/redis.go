package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// redisReadyTimeout bounds how long a redis-server may take to answer
	// PING, and a cluster to report cluster_state:ok.
	redisReadyTimeout = 60 * time.Second
	// redisPoll is the interval of those readiness polls.
	redisPoll = 20 * time.Millisecond
	// redisStartAttempts bounds the retries with a new port when the one
	// chosen was taken between choosing it and redis-server binding it.
	redisStartAttempts = 5
)

// RedisURLEnv names the environment variable that, when set, gives Redis
// the URL of an existing server to use instead of starting one.
const RedisURLEnv = "SESSION_TEST_REDIS_URL"

// Redis returns the URL (redis://127.0.0.1:PORT/0) of a Redis server for
// the test. When SESSION_TEST_REDIS_URL is set it returns that; otherwise
// it starts a throwaway redis-server for this test alone (no persistence,
// data in a temporary directory), stopped by t.Cleanup. It fails the test,
// never skips, when redis-server is not installed.
func Redis(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(RedisURLEnv); u != "" {
		return u
	}
	return startRedis(t, false).URL()
}

// RedisProc is a redis-server started by RedisServer, which a test can stop
// and start again on the same port and data directory to simulate an
// outage. Its data survives Stop/Start (append-only file, fsync always).
// Its methods are safe for concurrent use.
type RedisProc struct {
	t       testing.TB
	port    int
	dir     string
	persist bool
	extra   []string
	conf    string // a sentinel's configuration file; "": a server

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	output *LockedBuffer
}

// RedisServer starts a redis-server for this test alone, on a free port
// with its data directory under t.TempDir(), and returns it; t.Cleanup
// stops it. Unlike Redis it ignores SESSION_TEST_REDIS_URL, since the test
// controls the process.
func RedisServer(t testing.TB) *RedisProc {
	t.Helper()
	return startRedis(t, true)
}

// Addr returns the server's address, 127.0.0.1:PORT.
func (p *RedisProc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// URL returns the server's URL, redis://127.0.0.1:PORT/0.
func (p *RedisProc) URL() string { return "redis://" + p.Addr() + "/0" }

// Stop shuts the server down (SIGTERM, which flushes the append-only file,
// then SIGKILL after 5 seconds) and waits for it to exit. Stopping a
// stopped server does nothing.
func (p *RedisProc) Stop() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *RedisProc) stopLocked() {
	if p.cmd == nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.cmd.Process.Kill()
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

// Kill kills the server with SIGKILL, as a crash or a power cut would:
// nothing is flushed or handed over to replicas. It waits for the process
// to exit. Killing a stopped server does nothing; Start starts it again.
func (p *RedisProc) Kill() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}

// Start starts the server again on the same port and data directory, and
// waits until it answers PING. Starting a running server does nothing. It
// fails the test if the server does not come up.
func (p *RedisProc) Start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return
	}
	if err := p.startLocked(); err != nil {
		p.t.Fatalf("testenv: restarting redis-server on %s: %v", p.Addr(), err)
	}
}

// startLocked runs redis-server and waits until it answers PING.
func (p *RedisProc) startLocked() error {
	args := []string{
		"--port", strconv.Itoa(p.port),
		"--bind", "127.0.0.1",
		"--dir", p.dir,
		"--logfile", "",
		"--daemonize", "no",
	}
	if p.conf != "" {
		args = append([]string{p.conf, "--sentinel"}, args...)
	} else if args = append(args, "--save", ""); p.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	args = append(args, p.extra...)
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = p.dir
	out := &LockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := StartChild(cmd); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p.cmd, p.done, p.output = cmd, done, out

	deadline := time.Now().Add(redisReadyTimeout)
	for {
		reply, err := RedisCommand(p.Addr(), "PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		select {
		case <-done:
			p.cmd = nil
			return fmt.Errorf("redis-server exited before answering PING (%v)\noutput:\n%s", cmd.ProcessState, out.String())
		default:
		}
		if time.Now().After(deadline) {
			p.stopLocked()
			return fmt.Errorf("no PONG within %v (last: %q, %v)\noutput:\n%s", redisReadyTimeout, reply, err, out.String())
		}
		time.Sleep(redisPoll) // bounded readiness poll of a server process
	}
}

// startRedis starts a redis-server on a free port with its data in a
// temporary directory, and registers its cleanup.
func startRedis(t testing.TB, persist bool) *RedisProc {
	t.Helper()
	needRedisBinary(t, "redis-server")
	return startRedisIn(t, t.TempDir(), persist, nil)
}

// startRedisIn starts a redis-server (a Sentinel when conf is a
// configuration file's path) with its data in dir, retrying with
// another port if the chosen one was taken meanwhile, and registers its
// cleanup. Port, if not nil, chooses the port (a cluster node needs
// port+10000 free too). In extra, "{port}" stands for the port.
func startRedisIn(t testing.TB, dir string, persist bool, port func(testing.TB) int, extra ...string) *RedisProc {
	t.Helper()
	return startRedisConf(t, dir, "", persist, port, extra...)
}

// startRedisConf is startRedisIn with a Sentinel's configuration file (the
// text of conf, "{port}" standing for the port, written to a file in dir)
// when conf is not "".
func startRedisConf(t testing.TB, dir, conf string, persist bool, port func(testing.TB) int, extra ...string) *RedisProc {
	t.Helper()
	if port == nil {
		port = redisFreePort
	}
	var lastErr error
	for range redisStartAttempts {
		p := &RedisProc{t: t, port: port(t), dir: dir, persist: persist}
		if conf != "" {
			p.conf = filepath.Join(dir, "sentinel-"+strconv.Itoa(p.port)+".conf")
			text := strings.ReplaceAll(conf, "{port}", strconv.Itoa(p.port))
			if err := os.WriteFile(p.conf, []byte(text), 0o600); err != nil {
				t.Fatalf("testenv: writing %s: %v", p.conf, err)
			}
		}
		for _, a := range extra {
			p.extra = append(p.extra, strings.ReplaceAll(a, "{port}", strconv.Itoa(p.port)))
		}
		p.mu.Lock()
		lastErr = p.startLocked()
		p.mu.Unlock()
		if lastErr == nil {
			t.Cleanup(func() {
				p.Stop()
				if t.Failed() {
					p.mu.Lock()
					out := p.output
					p.mu.Unlock()
					t.Logf("testenv: redis-server on %s output:\n%s", p.Addr(), out.String())
				}
			})
			return p
		}
		if !strings.Contains(lastErr.Error(), "in use") {
			break
		}
	}
	t.Fatalf("testenv: starting redis-server: %v", lastErr)
	return nil
}

// RedisCluster starts a Redis Cluster of three masters (no replicas) for
// this test alone, each `redis-server --cluster-enabled yes` on free ports,
// joined with `redis-cli --cluster create`, and waits until every node
// reports cluster_state:ok. It returns the nodes' addresses
// (127.0.0.1:PORT); t.Cleanup stops them. It fails the test, never skips,
// when redis-server or redis-cli is not installed.
func RedisCluster(t testing.TB) []string {
	t.Helper()
	needRedisBinary(t, "redis-server")
	needRedisBinary(t, "redis-cli")
	dir := t.TempDir()
	var addrs []string
	for range 3 {
		p := startRedisIn(t, dir, false, redisClusterPort,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes-{port}.conf"),
			"--cluster-node-timeout", "5000")
		addrs = append(addrs, p.Addr())
	}

	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	cmd := exec.Command("redis-cli", args...)
	cmd.WaitDelay = stopTimeout
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	deadline := time.Now().Add(redisReadyTimeout)
	for _, addr := range addrs {
		for {
			info, err := RedisCommand(addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("testenv: cluster node %s not ok within %v: %v\n%s\nredis-cli output:\n%s",
					addr, redisReadyTimeout, err, info, out)
			}
			time.Sleep(redisPoll) // bounded readiness poll of the cluster
		}
	}
	return addrs
}

func needRedisBinary(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		pkg := "redis-server"
		if name == "redis-cli" {
			pkg = "redis-tools (a dependency of redis-server)"
		}
		t.Fatalf("testenv: %s is not on PATH (%v); install the Debian package %s: apt-get install redis-server", name, err, pkg)
	}
}

// redisFreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func redisFreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisClusterPort returns a free port whose cluster bus port, port+10000, is
// free too (redis-server before 7 has no --cluster-port option).
func redisClusterPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testenv: finding a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		l.Close()
		if err == nil {
			bus.Close()
			return port
		}
	}
	t.Fatalf("testenv: no free port p with p+10000 free for a cluster node")
	return 0
}

// RedisCommand sends one command to the Redis server at addr on a new
// connection and returns its reply: a simple or bulk string, or an integer
// in decimal. A Redis error reply is returned as an error. It needs no
// client library, so tests can use it to inspect a server directly.
func RedisCommand(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return "", errors.New("nil reply")
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unsupported reply %q", line)
}

// StartChild starts cmd as a child process that the kernel kills if the
// test binary dies without running its cleanups (Linux's Pdeathsig, from a
// thread that lives as long as the binary). It replaces cmd.SysProcAttr and
// returns cmd.Start's error. Tests that run servers or apps of their own as
// children use it.
func StartChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	setRedisPdeathsig(cmd.SysProcAttr)
	return startRedisOnLockedThread(cmd)
}

// setRedisPdeathsig asks the kernel to kill the server if the test binary
// dies without running its cleanups (a -timeout panic, a kill). The field
// exists on Linux only; reflection keeps this file building elsewhere,
// where a killed test binary can leave a server behind.
func setRedisPdeathsig(attr *syscall.SysProcAttr) {
	if f := reflect.ValueOf(attr).Elem().FieldByName("Pdeathsig"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(syscall.SIGKILL))
	}
}

// The servers are started from one goroutine locked to its OS thread for
// the life of the test binary: Pdeathsig fires when the thread that
// started a child exits, not the process, and the Go runtime may end a
// thread whose goroutine locked it.
var (
	redisSpawnOnce sync.Once
	redisSpawnReq  chan redisSpawnRequest
)

type redisSpawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func startRedisOnLockedThread(cmd *exec.Cmd) error {
	redisSpawnOnce.Do(func() {
		redisSpawnReq = make(chan redisSpawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the binary
			for req := range redisSpawnReq {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	redisSpawnReq <- redisSpawnRequest{cmd, done}
	return <-done
}

// RedisReplica starts a redis-server for this test alone that replicates
// primary (--replicaof, no persistence), and waits until its link to the
// primary is up and the initial synchronisation is done
// (master_link_status:up). t.Cleanup stops it.
func RedisReplica(t testing.TB, primary *RedisProc) *RedisProc {
	t.Helper()
	needRedisBinary(t, "redis-server")
	// No 5 s pause before the diskless initial synchronisation.
	if _, err := RedisCommand(primary.Addr(), "CONFIG", "SET", "repl-diskless-sync-delay", "0"); err != nil {
		t.Fatalf("testenv: configuring the primary %s: %v", primary.Addr(), err)
	}
	host, port, _ := strings.Cut(primary.Addr(), ":")
	r := startRedisIn(t, t.TempDir(), false, nil, "--replicaof", host, port, "--repl-diskless-sync-delay", "0")
	waitRedisInfo(t, r.Addr(), "replication", redisReadyTimeout, "master_link_status:up")
	// The replica has its copy; the primary counts it for WAIT only once
	// it has acknowledged the stream (state=online).
	waitRedisInfo(t, primary.Addr(), "replication", redisReadyTimeout, "state=online")
	return r
}

// SentinelMaster is the name under which RedisSentinelSet's Sentinels
// monitor the primary.
const SentinelMaster = "mymaster"

// SentinelSet is a Redis primary, one replica and three Sentinels
// monitoring the primary, started by RedisSentinelSet.
type SentinelSet struct {
	// Primary is the primary the set started with, Replica its replica.
	// After a failover, Replica is the primary.
	Primary, Replica *RedisProc
	// Sentinels are the three Sentinels (redis-server --sentinel).
	Sentinels []*RedisProc
}

// RedisSentinelSet starts, for this test alone, on free loopback ports: a
// primary, a replica of it, and three Sentinels monitoring it as
// SentinelMaster with a quorum of 2, down-after-milliseconds 1000 and
// failover-timeout 5000 (a killed primary is replaced in a few seconds).
// No server persists its data. It waits until every Sentinel knows the
// replica and the two other Sentinels, so that a failover can happen;
// t.Cleanup stops everything. It fails the test, never skips, when
// redis-server is not installed.
func RedisSentinelSet(t testing.TB) *SentinelSet {
	t.Helper()
	needRedisBinary(t, "redis-server")
	primary := startRedis(t, false)
	replica := RedisReplica(t, primary)
	set := &SentinelSet{Primary: primary, Replica: replica}
	dir := t.TempDir()
	conf := fmt.Sprintf("port {port}\nbind 127.0.0.1\n"+
		"sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 5000\n"+
		"sentinel parallel-syncs %[1]s 1\n", SentinelMaster, primary.port)
	for range 3 {
		set.Sentinels = append(set.Sentinels, startRedisConf(t, dir, conf, false, nil))
	}
	want := fmt.Sprintf("address=%s,slaves=1,sentinels=3", primary.Addr())
	for _, s := range set.Sentinels {
		waitRedisInfo(t, s.Addr(), "sentinel", redisReadyTimeout, want)
	}
	return set
}

// SentinelAddrs returns the Sentinels' addresses, 127.0.0.1:PORT.
func (s *SentinelSet) SentinelAddrs() []string {
	var addrs []string
	for _, p := range s.Sentinels {
		addrs = append(addrs, p.Addr())
	}
	return addrs
}

// KillPrimary kills the primary with SIGKILL (see RedisProc.Kill): what it
// had not yet sent to the replica is lost.
func (s *SentinelSet) KillPrimary() { s.Primary.Kill() }

// WaitFailover waits, up to timeout, until every Sentinel reports the
// replica as the primary and the replica reports role:master. It fails
// the test otherwise.
func (s *SentinelSet) WaitFailover(t testing.TB, timeout time.Duration) {
	t.Helper()
	want := fmt.Sprintf("address=%s,", s.Replica.Addr())
	for _, p := range s.Sentinels {
		waitRedisInfo(t, p.Addr(), "sentinel", timeout, want)
	}
	waitRedisInfo(t, s.Replica.Addr(), "replication", timeout, "role:master")
}

// waitRedisInfo polls INFO section of the server at addr until its text
// contains want, for up to timeout, and fails the test otherwise.
func waitRedisInfo(t testing.TB, addr, section string, timeout time.Duration, want string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info, err := RedisCommand(addr, "INFO", section)
		if err == nil && strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: INFO %s of %s has no %q within %v (%v):\n%s", section, addr, want, timeout, err, info)
		}
		time.Sleep(redisPoll) // bounded poll of a server's state
	}
}
