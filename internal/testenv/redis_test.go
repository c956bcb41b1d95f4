package testenv

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRedis(t *testing.T) {
	u := Redis(t)
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "redis://"), "/0")
	if got, err := RedisCommand(addr, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING %s: %q, %v", u, got, err)
	}
}

// A server's data survives Stop and Start, on the same port, and the
// process is gone after Stop.
func TestRedisServerRestart(t *testing.T) {
	p := RedisServer(t)
	if _, err := RedisCommand(p.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	p.Stop()
	if _, err := RedisCommand(p.Addr(), "PING"); err == nil {
		t.Fatal("server answers after Stop")
	}
	if cmd.ProcessState == nil {
		t.Fatalf("redis-server %d not waited for by Stop", cmd.Process.Pid)
	}
	p.Start()
	if got, err := RedisCommand(p.Addr(), "GET", "k"); err != nil || got != "v" {
		t.Fatalf("GET after restart: %q, %v", got, err)
	}
}

func TestRedisCluster(t *testing.T) {
	addrs := RedisCluster(t)
	if len(addrs) != 3 {
		t.Fatalf("%d nodes", len(addrs))
	}
	for _, a := range addrs {
		info, err := RedisCommand(a, "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
			t.Fatalf("%s: %v\n%s", a, err, info)
		}
	}
}

func TestRedisURLFromEnv(t *testing.T) {
	t.Setenv(RedisURLEnv, "redis://example.invalid:1/0")
	if got := Redis(t); got != "redis://example.invalid:1/0" {
		t.Fatalf("Redis = %q, want the URL from %s", got, RedisURLEnv)
	}
}

func TestRedisCommandReplies(t *testing.T) {
	p := RedisServer(t)
	if got, err := RedisCommand(p.Addr(), "INCR", "n"); err != nil || got != "1" {
		t.Fatalf("INCR: %q, %v", got, err)
	}
	if _, err := RedisCommand(p.Addr(), "GET", "missing"); err == nil {
		t.Fatal("GET of a missing key: no error")
	}
	if _, err := RedisCommand(p.Addr(), "NOSUCHCOMMAND"); err == nil {
		t.Fatal("unknown command: no error")
	}
	if _, err := RedisCommand("127.0.0.1:"+strconv.Itoa(redisFreePort(t)), "PING"); err == nil {
		t.Fatal("PING of a closed port: no error")
	}
}

// A replica has what the primary was given; the Sentinels promote it
// when the primary is killed, and Kill leaves no process behind.
func TestRedisSentinelSetFailover(t *testing.T) {
	set := RedisSentinelSet(t)
	if len(set.SentinelAddrs()) != 3 {
		t.Fatalf("Sentinels: %v", set.SentinelAddrs())
	}
	if _, err := RedisCommand(set.Primary.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if got, err := RedisCommand(set.Primary.Addr(), "WAIT", "1", "10000"); err != nil || got != "1" {
		t.Fatalf("WAIT 1: %q, %v", got, err)
	}
	if got, err := RedisCommand(set.Replica.Addr(), "GET", "k"); err != nil || got != "v" {
		t.Fatalf("GET on the replica: %q, %v", got, err)
	}
	set.Primary.mu.Lock()
	cmd := set.Primary.cmd
	set.Primary.mu.Unlock()
	set.KillPrimary()
	if cmd.ProcessState == nil || cmd.ProcessState.Success() {
		t.Fatalf("primary after Kill: %v", cmd.ProcessState)
	}
	set.WaitFailover(t, 90*time.Second)
	if _, err := RedisCommand(set.Replica.Addr(), "SET", "k2", "v2"); err != nil {
		t.Fatalf("SET on the promoted replica: %v", err)
	}
}
