package redisstore_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/redisstore"
	"github.com/sessionkit/session/storetest"
)

// replicaGet returns what the replica at addr holds under key ("" and
// false when nothing).
func replicaGet(addr, key string) (string, bool) {
	v, err := testenv.RedisCommand(addr, "GET", key)
	return v, err == nil
}

// With WaitReplicas, every write has reached the replica when it returns:
// the replica is read right after each call, with no wait of the test's
// own. The store passes the conformance suite with WAIT after every
// write, scripts flushed from the primary included.
func TestWaitReplicas(t *testing.T) {
	primary := testenv.RedisServer(t)
	replica := testenv.RedisReplica(t, primary)
	c := newClient(t, primary.URL())
	store := redisstore.New(c, redisstore.Options{WaitReplicas: 1, WaitTimeout: 2 * time.Second})

	// Every pipeline that writes is the write and WAIT.
	var writes, bad atomic.Int64 // the conformance run below writes concurrently
	c.AddHook(pipeHook(func(cmds []redis.Cmder) {
		switch cmds[0].Name() {
		case "set", "del", "expire", "zrem", "eval", "evalsha":
			writes.Add(1)
			if len(cmds) != 2 || cmds[1].Name() != "wait" {
				bad.Add(1)
			}
		}
	}))

	id := newID(t)
	key := store.Key(id)
	exp := time.Now().Add(time.Hour)
	if err := store.Set(ctx(t), id, []byte(`{"cookie":{},"n":1}`), exp); err != nil {
		t.Fatal(err)
	}
	if v, ok := replicaGet(replica.Addr(), key); !ok || v != `{"cookie":{},"n":1}` {
		t.Fatalf("replica after Set: %q, %v", v, ok)
	}
	// The scripts are unknown to the primary: EVALSHA fails with
	// NOSCRIPT and the store sends EVAL.
	if err := c.ScriptFlush(ctx(t)).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 5; i++ {
		rec, err := store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"n": 1}), exp)
		if err != nil {
			t.Fatalf("Patch %d: %v", i, err)
		}
		if v, ok := replicaGet(replica.Addr(), key); !ok || v != string(rec) {
			t.Fatalf("replica after Patch %d: %q, %v; the primary returned %s", i, v, ok, rec)
		}
	}
	// Signed in: the user's index reaches the replica too.
	if err := store.Set(ctx(t), id, signedInAs("ann"), exp); err != nil {
		t.Fatal(err)
	}
	if n, err := testenv.RedisCommand(replica.Addr(), "ZCARD", store.IndexKey("ann")); err != nil || n != "1" {
		t.Fatalf("replica's index of ann after Set: %q, %v", n, err)
	}
	if err := store.Touch(ctx(t), id, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ttl, err := testenv.RedisCommand(replica.Addr(), "TTL", key); err != nil || ttl < "3600" || len(ttl) != 4 {
		t.Fatalf("replica's TTL after Touch to 2 h: %q, %v", ttl, err)
	}
	if err := store.Destroy(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	if v, ok := replicaGet(replica.Addr(), key); ok {
		t.Fatalf("replica after Destroy still has %q", v)
	}
	if n, err := testenv.RedisCommand(replica.Addr(), "EXISTS", store.IndexKey("ann")); err != nil || n != "0" {
		t.Fatalf("replica's index of ann after Destroy: EXISTS %q, %v", n, err)
	}
	if writes.Load() < 10 || bad.Load() != 0 {
		t.Fatalf("%d of %d pipelines that write are not the write then WAIT", bad.Load(), writes.Load())
	}

	storetest.Run(t, func(*testing.T) session.Store { return store })
}

// Without enough replicas, a write returns ErrNotReplicated, and the Manager answers 503; once the replica is back,
// writes succeed again.
func TestWaitReplicasNotReplicated(t *testing.T) {
	primary := testenv.RedisServer(t)
	replica := testenv.RedisReplica(t, primary)
	c := newClient(t, primary.URL())
	const timeout = 200 * time.Millisecond

	// Two replicas wanted, one there: the write is on the primary and
	// the replica, but not acknowledged.
	two := redisstore.New(c, redisstore.Options{WaitReplicas: 2, WaitTimeout: timeout})
	id := newID(t)
	err := two.Set(ctx(t), id, []byte(`{"cookie":{}}`), time.Now().Add(time.Hour))
	if !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Set waiting for 2 of 1 replicas: %v, want ErrNotReplicated", err)
	}
	_, err = two.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"n": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Patch waiting for 2 of 1 replicas: %v, want ErrNotReplicated", err)
	}

	// The replica gone: every write through the Manager is a 503.
	// A timeout with room for a loaded machine: the replica is up, and
	// must acknowledge.
	one := redisstore.New(c, redisstore.Options{WaitReplicas: 1, WaitTimeout: 2 * time.Second})
	m, logs := newManager(t, one, time.Hour)
	h := m.Handler(counter)
	res := serve(h, "")
	cookie := sessionCookie(t, res)
	if got := body(t, res); got != "1" {
		t.Fatalf("first visit with the replica up: %q", got)
	}
	replica.Stop()
	res = serve(h, cookie)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("visit without the replica: %d %q, want 503", res.StatusCode, body(t, res))
	}
	// The counter answers with Increment's error.
	if b := body(t, res); !strings.Contains(b, "not acknowledged by enough replicas") {
		t.Fatalf("error does not name the failure: %q (log: %s)", b, logs)
	}
	if err := one.Destroy(ctx(t), newID(t)); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Destroy without the replica: %v, want ErrNotReplicated", err)
	}

	replica.Start()
	deadline := time.Now().Add(30 * time.Second)
	for { // the replica resynchronises: bounded poll of both sides' state
		info, err := testenv.RedisCommand(replica.Addr(), "INFO", "replication")
		pinfo, perr := testenv.RedisCommand(primary.Addr(), "INFO", "replication")
		if err == nil && perr == nil && strings.Contains(info, "master_link_status:up") && strings.Contains(pinfo, "state=online") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica not linked again within 30 s: %v\n%s", err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res = serve(h, cookie)
	if got := body(t, res); res.StatusCode != 200 || got != "3" {
		// 3: the unacknowledged increment was applied on the primary.
		t.Fatalf("visit with the replica back: %d %q, want 200 \"3\"", res.StatusCode, got)
	}
}

// On a Cluster, WAIT goes to the node that holds the key: the cluster of
// testenv has no replicas, so every write is written there and reported
// not replicated (not misrouted, not refused as a cross-slot pipeline).
func TestWaitReplicasCluster(t *testing.T) {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: testenv.RedisCluster(t)})
	t.Cleanup(func() { c.Close() })
	store := redisstore.New(c, redisstore.Options{WaitReplicas: 1, WaitTimeout: 50 * time.Millisecond})
	for range 10 {
		id := newID(t)
		err := store.Set(ctx(t), id, signedInAs("bob"), time.Now().Add(time.Hour))
		if !errors.Is(err, redisstore.ErrNotReplicated) {
			t.Fatalf("Set on a cluster without replicas: %v, want ErrNotReplicated", err)
		}
		if _, _, err := store.Get(ctx(t), id); err != nil {
			t.Fatalf("Get after the unreplicated Set: %v", err)
		}
		_, err = store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"n": 1}), time.Now().Add(time.Hour))
		if !errors.Is(err, redisstore.ErrNotReplicated) {
			t.Fatalf("Patch on a cluster without replicas: %v, want ErrNotReplicated", err)
		}
	}
}

// pipeHook calls f with the commands of every pipeline.
type pipeHook func([]redis.Cmder)

func (pipeHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (pipeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h pipeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h(cmds)
		return next(ctx, cmds)
	}
}
