package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/redisstore"
)

// redisStore is the connect-redis-compatible store on client.
func redisStore(client redis.UniversalClient, opts redisstore.Options) session.Store {
	return redisstore.New(client, opts)
}

// waitOptions removes the parameters of redisstore's wait for replicas,
// wait=N (Options.WaitReplicas) and wait_timeout=DURATION
// (Options.WaitTimeout), from q, which go-redis would reject, and returns
// them as options.
func waitOptions(q url.Values) (redisstore.Options, error) {
	var o redisstore.Options
	if v := q.Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, fmt.Errorf("wait=%q: want a number of replicas", v)
		}
		o.WaitReplicas = n
	}
	if v := q.Get("wait_timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("wait_timeout=%q: want a positive duration such as 500ms", v)
		}
		o.WaitTimeout = d
	}
	q.Del("wait")
	q.Del("wait_timeout")
	return o, nil
}

// openRedis opens -store redis://[user:password@]HOST:PORT/DB[?wait=N&...]:
// go-redis's URL (its query parameters too) and wait=N, wait_timeout=D.
func openRedis(s string) (session.Store, func() error, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, nil, fmt.Errorf("redis store: %w", err)
	}
	q := u.Query()
	wait, err := waitOptions(q)
	if err != nil {
		return nil, nil, fmt.Errorf("redis store: %w", err)
	}
	u.RawQuery = q.Encode()
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("redis store: %w", err)
	}
	if !q.Has("protocol") {
		// Sessions need no RESP3 push notifications, and with RESP3
		// go-redis looks for them on every command (a read syscall).
		opt.Protocol = 2
	}
	// Without it go-redis ignores the store call's deadline and a stalled
	// server holds each request for ReadTimeout, not StoreTimeout.
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)
	return redisStore(client, wait), client.Close, nil
}

// sentinelOptions parses -store
// redis-sentinel://[user:password@]HOST:PORT[,HOST:PORT...]/MASTER[/DB][?db=N&wait=N&wait_timeout=D&...]:
// the Sentinels' addresses, the name of the master they monitor, the
// database, and redisstore's wait for replicas; the user and password are
// the master's (and its replicas'), and the other query parameters are
// go-redis's FailoverOptions (read_timeout, pool_size, ...; see
// redis.ParseFailoverURL).
func sentinelOptions(s string) (*redis.FailoverOptions, redisstore.Options, error) {
	var wait redisstore.Options
	rest, ok := strings.CutPrefix(s, "redis-sentinel://")
	if !ok {
		return nil, wait, fmt.Errorf("%q does not start with redis-sentinel://", s)
	}
	hosts, path, _ := strings.Cut(rest, "/")
	path, query, _ := strings.Cut(path, "?")
	var userinfo string
	if i := strings.LastIndex(hosts, "@"); i >= 0 {
		userinfo, hosts = hosts[:i], hosts[i+1:]
	}
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		if host, port, err := net.SplitHostPort(h); err != nil || host == "" || port == "" {
			return nil, wait, fmt.Errorf("sentinel address %q: want HOST:PORT", h)
		}
		addrs = append(addrs, h)
	}
	master, db, _ := strings.Cut(path, "/")
	if master == "" {
		return nil, wait, fmt.Errorf("no master name: want redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, wait, err
	}
	if wait, err = waitOptions(q); err != nil {
		return nil, wait, err
	}
	if db != "" {
		if q.Has("db") {
			return nil, wait, fmt.Errorf("the database is given twice, /%s and db=%s", db, q.Get("db"))
		}
		q.Set("db", db)
	}
	// go-redis's own URL form: the first Sentinel as the host, the others
	// as addr parameters.
	q.Set("master_name", master)
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	opt, err := redis.ParseFailoverURL("redis://" + addrs[0] + "/?" + q.Encode())
	if err != nil {
		return nil, wait, err
	}
	if userinfo != "" {
		ui, err := url.Parse("redis://" + userinfo + "@h")
		if err != nil || ui.User == nil {
			return nil, wait, fmt.Errorf("bad user information")
		}
		opt.Username = ui.User.Username()
		opt.Password, _ = ui.User.Password()
	}
	if !q.Has("protocol") {
		opt.Protocol = 2 // as for redis://
	}
	return opt, wait, nil
}

// openRedisSentinel opens -store redis-sentinel://...: a go-redis failover
// client, which asks the Sentinels for the current master, and follows
// their +switch-master when they promote a replica, without a restart.
func openRedisSentinel(s string) (session.Store, func() error, error) {
	opt, wait, err := sentinelOptions(s)
	if err != nil {
		return nil, nil, fmt.Errorf("redis sentinel store: %w", err)
	}
	opt.ContextTimeoutEnabled = true // as in openRedis
	client := redis.NewFailoverClient(opt)
	return redisStore(client, wait), client.Close, nil
}
