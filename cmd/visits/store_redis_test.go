package main

import (
	"slices"
	"testing"
	"time"
)

func TestSentinelOptions(t *testing.T) {
	opt, wait, err := sentinelOptions("redis-sentinel://:pw@127.0.0.1:26379,10.0.0.2:26380/mymaster/2?wait=1&wait_timeout=250ms&read_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if opt.MasterName != "mymaster" || opt.DB != 2 || opt.Password != "pw" || opt.ReadTimeout != 2*time.Second ||
		!slices.Equal(opt.SentinelAddrs, []string{"127.0.0.1:26379", "10.0.0.2:26380"}) || opt.Protocol != 2 {
		t.Fatalf("options %+v", opt)
	}
	if wait.WaitReplicas != 1 || wait.WaitTimeout != 250*time.Millisecond {
		t.Fatalf("wait options %+v", wait)
	}

	opt, wait, err = sentinelOptions("redis-sentinel://127.0.0.1:26379/m?db=3")
	if err != nil || opt.DB != 3 || opt.MasterName != "m" || wait.WaitReplicas != 0 || opt.Password != "" {
		t.Fatalf("db=3: %+v, %+v, %v", opt, wait, err)
	}

	for _, bad := range []string{
		"redis-sentinel://127.0.0.1:26379",              // no master
		"redis-sentinel://127.0.0.1:26379/",             // no master
		"redis-sentinel://127.0.0.1/m",                  // no port
		"redis-sentinel://127.0.0.1:1,/m",               // empty address
		"redis-sentinel://127.0.0.1:1/m?wait=x",         // not a number
		"redis-sentinel://127.0.0.1:1/m?wait=-1",        // negative
		"redis-sentinel://127.0.0.1:1/m?wait_timeout=0", // not positive
		"redis-sentinel://127.0.0.1:1/m?nosuch=1",       // unknown to go-redis
		"redis-sentinel://127.0.0.1:1/m/1?db=2",         // two databases
	} {
		if _, _, err := sentinelOptions(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// wait= and wait_timeout= are taken out of a redis:// URL before go-redis
// parses it, which would refuse them.
func TestOpenRedisWait(t *testing.T) {
	st, closeStore, err := openRedis("redis://127.0.0.1:1/0?wait=1&wait_timeout=100ms&dial_timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if st == nil {
		t.Fatal("no store")
	}
	if _, _, err := openRedis("redis://127.0.0.1:1/0?wait=many"); err == nil {
		t.Fatal("wait=many: no error")
	}
}
