package faulttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

// The failover test's bounds: generous ceilings, never measurements.
const (
	// foStoreTimeout is cmd/visits's StoreTimeout (session.Options'
	// default), and foMargin the slack a request gets beyond it: no
	// request may take longer than their sum.
	foStoreTimeout = 5 * time.Second
	foMargin       = 5 * time.Second
	// foFailoverTimeout bounds the wait for Sentinel to promote the
	// replica (a few seconds with down-after-milliseconds 1000; a loaded
	// machine may put the Sentinels in TILT mode for 30 s).
	foFailoverTimeout = 90 * time.Second
	// foResumeTimeout bounds the wait for every client to be served again.
	foResumeTimeout = 60 * time.Second
	// foClients is the number of concurrent API clients.
	foClients = 32
	// foWaitTimeout is redisstore's WaitTimeout in the run with wait=1.
	foWaitTimeout = 500 * time.Millisecond
)

// TestRedisFailover runs cmd/visits on Redis through Sentinel (a primary,
// one replica, three Sentinels: testenv.RedisSentinelSet) under load,
// kills the primary with SIGKILL and lets Sentinel promote the replica:
// requests during the failover get a 503 (never a hang: none takes longer
// than the store timeout plus a margin), and the service resumes without
// restarting cmd/visits. Acknowledged increments may be lost without
// redisstore's wait for replicas (the figure is logged); with wait=1 none
// may be.
func TestRedisFailover(t *testing.T) {
	t.Run("no-wait", func(t *testing.T) { foRun(t, 0) })
	t.Run("wait=1", func(t *testing.T) { foRun(t, 1) })
}

func foRun(t *testing.T, wait int) {
	set := testenv.RedisSentinelSet(t)
	store := "redis-sentinel://" + strings.Join(set.SentinelAddrs(), ",") + "/" + testenv.SentinelMaster + "?db=0"
	if wait > 0 {
		store += "&wait=1&wait_timeout=" + foWaitTimeout.String()
	}
	v := StartVisits(t, VisitsOptions{Args: []string{"-store", store}})
	timer := foStartTimer(t, v.URL())
	l := StartLoad(t, LoadOptions{URL: timer.URL(), Clients: foClients})

	// Every client has a session and some history before the kill.
	start := make([]Stats, foClients)
	if !l.WaitEveryClientAcked(start, foResumeTimeout) || !l.WaitAcked(20*foClients, foResumeTimeout) {
		t.Fatalf("the load did not get going: %+v", l.Total())
	}
	before := l.Total()
	set.KillPrimary()
	killed := time.Now()
	set.WaitFailover(t, foFailoverTimeout)
	promoted := time.Since(killed)
	ackedAtPromotion := l.Acked()
	if wait > 0 {
		// The promoted replica has no replica of its own: no write is
		// acknowledged until one joins (here a new server; in production
		// the old primary restarted, which Sentinel makes a replica).
		if !l.Wait(2*foWaitTimeout+time.Second, func() bool { return l.Total().Unavailable > before.Unavailable }) {
			t.Errorf("no 503 after the promotion with wait=1 and no replica")
		}
		if got := l.Acked(); got != ackedAtPromotion {
			t.Logf("%d increments acknowledged between the promotion and a replica joining", got-ackedAtPromotion)
		}
		testenv.RedisReplica(t, set.Replica)
	}
	// Served again, by the same process: every client gets an increment
	// acknowledged.
	if !l.WaitEveryClientAcked(l.Stats(), foResumeTimeout) {
		t.Fatalf("the service did not resume within %v of the promotion: %+v", foResumeTimeout, l.Total())
	}
	resumed := time.Since(killed)
	if !v.Running() {
		t.Fatal("cmd/visits is not running")
	}

	var total Stats
	if wait > 0 {
		total = l.Verify(t) // nothing acknowledged lost, nothing hung
	} else {
		// Losses are expected here, so not Verify: the same final read,
		// and every check but the one on losses.
		l.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout+5*time.Second)
		defer cancel()
		for i, c := range l.Clients() {
			if !c.Do(ctx) {
				t.Errorf("client %d: the final read through the app failed: %+v", i, c.Stats())
			}
		}
		total = l.Total()
		if total.Phantom > 0 || total.Hung > 0 {
			t.Errorf("phantom %d, hung %d: %s", total.Phantom, total.Hung, strings.Join(total.Violations, "; "))
		}
	}
	longest := timer.Longest()
	t.Logf("wait=%d: acknowledged %d (%d before the kill), LOST %d (in %d sessions replaced), 503s %d, other failures %d; "+
		"promotion after %v, every client served again after %v; longest request %v, longest failure %v",
		wait, total.Acked, before.Acked, total.Lost, total.Replaced, total.Unavailable, total.OtherStatus+total.Failed,
		promoted.Round(time.Millisecond), resumed.Round(time.Millisecond), longest.Round(time.Millisecond),
		total.MaxFailWait.Round(time.Millisecond))

	if total.Unavailable == 0 {
		t.Errorf("no 503 during the failover: the kill went unnoticed")
	}
	if total.OtherStatus > 0 || total.Failed > 0 {
		t.Errorf("%d answers other than 200 and 503, %d transport errors: want a clear 503 for every failure",
			total.OtherStatus, total.Failed)
	}
	if longest > foStoreTimeout+foMargin {
		t.Errorf("the longest request took %v, more than the store timeout %v plus %v", longest, foStoreTimeout, foMargin)
	}
}

// foTimer is a reverse proxy in front of cmd/visits that records how
// long the longest request took, answered or failed.
type foTimer struct {
	srv     *httptest.Server
	longest atomic.Int64 // nanoseconds
}

// foStartTimer starts a foTimer for the app at target on 127.0.0.1,
// closed at cleanup.
func foStartTimer(t *testing.T, target string) *foTimer {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 2 * foClients, DisableCompression: true}
	ft := &foTimer{}
	ft.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rp.ServeHTTP(w, r)
		d := int64(time.Since(start))
		for old := ft.longest.Load(); d > old && !ft.longest.CompareAndSwap(old, d); old = ft.longest.Load() {
		}
	}))
	t.Cleanup(ft.srv.Close)
	return ft
}

// URL returns the proxy's base URL.
func (ft *foTimer) URL() string { return ft.srv.URL }

// Longest returns the duration of the longest request so far.
func (ft *foTimer) Longest() time.Duration { return time.Duration(ft.longest.Load()) }
