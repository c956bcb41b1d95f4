package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/redisstore"
	"github.com/sessionkit/session/storetest"
)

// newClient returns a client of the Redis server at url, closed at cleanup.
func newClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func newID(t *testing.T) string {
	t.Helper()
	id, err := session.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestConformance(t *testing.T) {
	store := redisstore.New(newClient(t, testenv.Redis(t)), redisstore.Options{})
	storetest.Run(t, func(*testing.T) session.Store { return store })
}

func TestConformanceCluster(t *testing.T) {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: testenv.RedisCluster(t)})
	t.Cleanup(func() { c.Close() })
	store := redisstore.New(c, redisstore.Options{})
	storetest.Run(t, func(*testing.T) session.Store { return store })

	// Sessions are spread over the three masters: after 60 more, each
	// holds some (all on two of them: probability 3·(2/3)^60 < 1e-10).
	for range 60 {
		if err := store.Set(ctx(t), newID(t), []byte(`{"cookie":{}}`), time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	masters := 0
	err := c.ForEachMaster(ctx(t), func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		if n > 0 {
			mu.Lock()
			masters++
			mu.Unlock()
		}
		return err
	})
	if err != nil || masters != 3 {
		t.Fatalf("sessions on %d of 3 masters (%v)", masters, err)
	}
}

// assertTTL fails unless the key's TTL is within a second of want.
func assertTTL(t *testing.T, c redis.UniversalClient, key string, want time.Duration) {
	t.Helper()
	ttl, err := c.TTL(ctx(t), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl - want; d < -time.Second || d > time.Second {
		t.Fatalf("TTL of %s = %v, want %v ± 1s", key, ttl, want)
	}
}

// The stored value and expiry are connect-redis's: the record's exact
// bytes as a plain string under "sess:<id>", with a TTL of the seconds
// left until the expiry.
func TestFormat(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	store := redisstore.New(c, redisstore.Options{})
	id := newID(t)
	rec := []byte(`{"cookie":{"originalMaxAge":3600000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1,"u":"é"}`)
	if err := store.Set(ctx(t), id, rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	key := "sess:" + id
	if typ := c.Type(ctx(t), key).Val(); typ != "string" {
		t.Fatalf("type of %s = %q, want string", key, typ)
	}
	raw, err := c.Get(ctx(t), key).Bytes()
	if err != nil || !bytes.Equal(raw, rec) {
		t.Fatalf("GET %s = %q, %v; want %q", key, raw, err, rec)
	}
	assertTTL(t, c, key, time.Hour)
	if got, _, err := store.Get(ctx(t), id); err != nil || !bytes.Equal(got, rec) {
		t.Fatalf("store.Get = %q, %v", got, err)
	}

	// Touch moves the TTL without rewriting the value.
	toucher := session.Toucher(store)
	if err := toucher.Touch(ctx(t), id, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	assertTTL(t, c, key, 2*time.Hour)
	if raw, _ := c.Get(ctx(t), key).Bytes(); !bytes.Equal(raw, rec) {
		t.Fatalf("Touch changed the value: %q", raw)
	}

	// A zero expiry gets the default TTL, 86400 s.
	if err := store.Set(ctx(t), id, rec, time.Time{}); err != nil {
		t.Fatal(err)
	}
	assertTTL(t, c, key, 24*time.Hour)

	// An expiry already past deletes the key.
	if err := store.Set(ctx(t), id, rec, time.Now().Add(-time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n := c.Exists(ctx(t), key).Val(); n != 0 {
		t.Fatalf("%s still exists after a Set with an expiry in the past", key)
	}

	// Another prefix.
	other := redisstore.New(c, redisstore.Options{Prefix: "app1:"})
	if err := other.Set(ctx(t), id, rec, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if raw, _ := c.Get(ctx(t), "app1:"+id).Bytes(); !bytes.Equal(raw, rec) {
		t.Fatalf("GET app1:%s = %q", id, raw)
	}
	if other.Key(id) != "app1:"+id || store.Key(id) != key {
		t.Fatalf("Key: %q, %q", other.Key(id), store.Key(id))
	}
}

// Through the Manager: a browser-session cookie (expires null) is kept for
// 86400 s, a cookie with MaxAge for MaxAge, as connect-redis does; an
// unmodified revisit slides the TTL with EXPIRE.
func TestManagerTTL(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	store := redisstore.New(c, redisstore.Options{})
	for _, tt := range []struct {
		maxAge, want time.Duration
		expires      string
	}{
		{0, 24 * time.Hour, `"expires":null`},
		{90 * time.Minute, 90 * time.Minute, `"originalMaxAge":5400000,"expires":"`},
	} {
		t.Run(fmt.Sprint("maxAge=", tt.maxAge), func(t *testing.T) {
			m, _ := newManager(t, store, tt.maxAge)
			h := m.Handler(counter)
			res := serve(h, "")
			cookie := sessionCookie(t, res)
			id := idOf(t, cookie)
			raw, err := c.Get(ctx(t), "sess:"+id).Result()
			if err != nil || !strings.HasPrefix(raw, `{"cookie":{`) || !strings.Contains(raw, tt.expires) || !strings.HasSuffix(raw, `"visits":1}`) {
				t.Fatalf("stored %s, %v", raw, err)
			}
			assertTTL(t, c, "sess:"+id, tt.want)

			// An unmodified revisit: EXPIRE slides the TTL back up.
			if err := c.Expire(ctx(t), "sess:"+id, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if got := body(t, serve(m.Handler(reader), cookie)); got != "1" {
				t.Fatalf("reader got %q", got)
			}
			assertTTL(t, c, "sess:"+id, tt.want)
			if got, _ := c.Get(ctx(t), "sess:"+id).Result(); got != raw {
				t.Fatalf("an unmodified visit rewrote the record:\n%s\n%s", raw, got)
			}
		})
	}
}

// Patch retries transactions that other writers invalidated, and gives up
// after a bounded number of attempts; Apply's errors are not retried.
func TestPatchErrors(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	store := redisstore.New(c, redisstore.Options{})
	id := newID(t)
	if err := c.Set(ctx(t), "sess:"+id, `{"cookie":{},"visits":"many"}`, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, session.ErrNotInteger) {
		t.Fatalf("Patch of a non-integer: %v, want ErrNotInteger", err)
	}
	if err := c.Set(ctx(t), "sess:"+id, `not json`, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	_, err = store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, session.ErrCorruptRecord) {
		t.Fatalf("Patch of a corrupt record: %v, want ErrCorruptRecord", err)
	}

	// A writer that changes the key before every compare-and-set makes
	// every attempt fail.
	c2 := newClient(t, "redis://"+c.Options().Addr+"/0")
	attempts := 0
	c.AddHook(conflictHook{before: func(ctx context.Context, cmd redis.Cmder) {
		if cmd.Name() == "evalsha" && cmd.Args()[3] == "sess:"+id {
			attempts++
			c2.Set(ctx, "sess:"+id, `{"cookie":{},"visits":`+strconv.Itoa(attempts)+`}`, time.Hour)
		}
	}})
	_, err = store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, redisstore.ErrConflict) || attempts != redisstore.MaxPatchAttempts {
		t.Fatalf("Patch under constant conflict: %v after %d attempts; want ErrConflict after %d", err, attempts, redisstore.MaxPatchAttempts)
	}

	// A context that ends while retrying ends Patch.
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = store.Patch(short, id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Patch with a short deadline under constant conflict: %v", err)
	}
}

// Concurrent patches of one session from several processes (Stores on
// clients of their own) conflict in Redis; the compare-and-set makes the
// losers retry on the record it returns,
// and every change is kept. Each Patch returns the record as it stood
// right after its own change, so the counts returned are 1..n once each.
func TestPatchAcrossStores(t *testing.T) {
	url := testenv.Redis(t)
	const stores, each = 4, 50
	id := newID(t)
	var wg sync.WaitGroup
	counts := make(chan float64, stores*each)
	errs := make(chan error, 2*stores*each)
	var conflicts atomic.Int64
	for i := range stores {
		c := newClient(t, url)
		c.AddHook(conflictHook{before: func(_ context.Context, cmd redis.Cmder) {
			if cmd.Name() == "evalsha" {
				conflicts.Add(1)
			}
		}})
		store := redisstore.New(c, redisstore.Options{})
		for j := range each {
			wg.Add(2)
			go func() {
				defer wg.Done()
				merged, err := store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
				if err != nil {
					errs <- err
					return
				}
				counts <- recordOf(t, string(merged))["visits"].(float64)
			}()
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("s%d-%d", i, j)
				_, err := store.Patch(ctx(t), id, storetest.NewPatch(map[string]json.RawMessage{key: json.RawMessage("true")}, nil, nil), time.Now().Add(time.Hour))
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(counts)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d compare-and-set calls for %d patches", conflicts.Load(), 2*stores*each)
	seen := make(map[float64]bool)
	for n := range counts {
		if seen[n] || n < 1 || n > stores*each {
			t.Fatalf("Patch returned visits %v twice or out of range", n)
		}
		seen[n] = true
	}
	got, _, err := redisstore.New(newClient(t, url), redisstore.Options{}).Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	rec := recordOf(t, string(got))
	lost := 0
	for i := range stores {
		for j := range each {
			if rec[fmt.Sprintf("s%d-%d", i, j)] != true {
				lost++
			}
		}
	}
	if lost > 0 || rec["visits"] != float64(stores*each) {
		t.Fatalf("%d keys lost, visits %v, want %d", lost, rec["visits"], stores*each)
	}
}

// Among concurrent patches of one session, one that cannot apply (an
// increment of a string) fails alone; the others are written.
func TestPatchFailsAlone(t *testing.T) {
	store := redisstore.New(newClient(t, testenv.Redis(t)), redisstore.Options{})
	id := newID(t)
	if err := store.Set(ctx(t), id, []byte(`{"cookie":{},"name":"alice","visits":0}`), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	good, bad := make(chan error, n), make(chan error, n)
	for range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
			good <- err
		}()
		go func() {
			defer wg.Done()
			_, err := store.Patch(ctx(t), id, storetest.NewPatch(nil, nil, map[string]int64{"name": 1}), time.Now().Add(time.Hour))
			bad <- err
		}()
	}
	wg.Wait()
	close(good)
	close(bad)
	for err := range good {
		if err != nil {
			t.Fatal(err)
		}
	}
	for err := range bad {
		if !errors.Is(err, session.ErrNotInteger) {
			t.Fatalf("increment of a string: %v, want ErrNotInteger", err)
		}
	}
	got, _, _ := store.Get(ctx(t), id)
	if rec := recordOf(t, string(got)); rec["visits"] != float64(n) || rec["name"] != "alice" {
		t.Fatalf("after the patches: %s", got)
	}
}

// A patch whose context ends while it waits behind another of the same
// session is dropped, and Patch returns the context's error at once.
func TestPatchQueuedContextEnds(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	store := redisstore.New(c, redisstore.Options{})
	id := newID(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c.AddHook(conflictHook{before: func(_ context.Context, cmd redis.Cmder) {
		if cmd.Name() == "evalsha" && cmd.Args()[3] == "sess:"+id {
			once.Do(func() { close(entered); <-release })
		}
	}})
	first := make(chan error, 1)
	go func() {
		_, err := store.Patch(ctx(t), id, storetest.NewPatch(map[string]json.RawMessage{"first": json.RawMessage("1")}, nil, nil), time.Now().Add(time.Hour))
		first <- err
	}()
	<-entered // the first patch's transaction is running
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := store.Patch(short, id, storetest.NewPatch(map[string]json.RawMessage{"second": json.RawMessage("2")}, nil, nil), time.Now().Add(time.Hour))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued Patch whose context ended: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	got, _, _ := store.Get(ctx(t), id)
	if rec := recordOf(t, string(got)); rec["first"] != float64(1) || rec["second"] != nil {
		t.Fatalf("after a dropped patch: %s", got)
	}
}

// conflictHook runs before on every command a client processes (including
// those of a transaction's connection).
type conflictHook struct {
	before func(ctx context.Context, cmd redis.Cmder)
}

func (conflictHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h conflictHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.before(ctx, cmd)
		return next(ctx, cmd)
	}
}
func (conflictHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A Redis outage fails the requests that need the store with 503, each
// logged once, and loses nothing: once Redis is back on the same port,
// the same client and Manager carry on with the sessions saved before.
func TestRedisOutage(t *testing.T) {
	srv := testenv.RedisServer(t)
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	// go-redis fails fast once PoolSize dials in a row have failed (each
	// failed command makes MaxRetries+1 of them), probing the server once
	// a second: a pool larger than the dials this outage makes lets the
	// first request after it reach Redis at once, whatever GOMAXPROCS.
	opt.PoolSize = 64
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	store := redisstore.New(c, redisstore.Options{})
	m, logs := newManager(t, store, time.Hour)
	h := m.Handler(counter)

	res := serve(h, "")
	cookie := sessionCookie(t, res)
	if got := body(t, res); got != "1" || cookie == "" {
		t.Fatalf("first visit: %q, cookie %q", got, cookie)
	}
	if got := body(t, serve(h, cookie)); got != "2" {
		t.Fatalf("second visit: %q", got)
	}
	if logs.String() != "" {
		t.Fatalf("log before the outage: %s", logs)
	}

	srv.Stop()
	const failed = 3
	for i := range failed {
		start := time.Now()
		res := serve(h, cookie)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("request %d during the outage: %d %q, want 503", i, res.StatusCode, body(t, res))
		}
		t.Logf("failed request %d took %v", i, time.Since(start))
		if n := strings.Count(logs.String(), "level=ERROR"); n != i+1 {
			t.Fatalf("after %d failed requests, %d errors logged:\n%s", i+1, n, logs)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != failed {
		t.Fatalf("%d log lines for %d failed requests:\n%s", n, failed, logs)
	}
	if !strings.Contains(logs.String(), "session: load session") || !strings.Contains(logs.String(), "redisstore: get") {
		t.Fatalf("log does not name the failure:\n%s", logs)
	}

	srv.Start()
	if res := serve(h, cookie); res.StatusCode != 200 {
		t.Fatalf("after the outage: %d %q", res.StatusCode, body(t, res))
	} else if got := body(t, res); got != "3" {
		t.Fatalf("after the outage the count is %q, want 3: the session saved before was lost", got)
	}
	if got := body(t, serve(h, cookie)); got != "4" {
		t.Fatalf("next visit: %q", got)
	}
	if n := strings.Count(logs.String(), "\n"); n != failed {
		t.Fatalf("more log lines after the outage:\n%s", logs)
	}
}

const testSecret = "redisstore-test-secret-redisstore-test-secret"

// newManager returns a Manager on store with the test secret and MaxAge,
// and the buffer that receives its log.
func newManager(t *testing.T, store session.Store, maxAge time.Duration) (*session.Manager, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	m, err := session.New(session.Options{
		Secrets: []string{testSecret},
		Store:   store,
		Cookie:  session.CookieOptions{MaxAge: maxAge},
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, logs
}

// counter increments "visits" and writes the new count.
var counter = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, err := session.From(r).Increment(r.Context(), "visits", 1)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, strconv.FormatInt(n, 10))
})

// reader writes the count without changing the session.
var reader = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	n, _ := session.Get[int](session.From(r), "visits")
	io.WriteString(w, strconv.Itoa(n))
})

func serve(h http.Handler, cookie string) *http.Response {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sessionCookie returns the "connect.sid=value" pair the response set, or "".
func sessionCookie(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, sc := range res.Header.Values("Set-Cookie") {
		if pair, _, _ := strings.Cut(sc, ";"); strings.HasPrefix(pair, "connect.sid=") {
			return pair
		}
	}
	return ""
}

// idOf returns the session ID a connect.sid cookie carries.
func idOf(t *testing.T, cookie string) string {
	t.Helper()
	v := strings.TrimPrefix(cookie, "connect.sid=")
	v = strings.NewReplacer("%3A", ":", "%2F", "/", "%2B", "+", "%3D", "=").Replace(v)
	id, err := session.Unsign(strings.TrimPrefix(v, "s:"), testSecret)
	if err != nil {
		t.Fatalf("cookie %q: %v", cookie, err)
	}
	return id
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// recordOf parses a stored record.
func recordOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		t.Fatalf("stored record is not JSON: %v: %s", err, raw)
	}
	return rec
}

// Patches of a session whose requests loaded it before the others wrote
// (a stale p.Base, as when many requests of one visitor run at once) are
// applied to what this Store wrote last: one compare-and-set each, not a
// failed one and a retry. After another client writes the key, the guess
// is wrong once, and the compare-and-set's reply corrects it.
func TestPatchGuessesWhatItWrote(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	var evals atomic.Int64
	c.AddHook(conflictHook{before: func(_ context.Context, cmd redis.Cmder) {
		if cmd.Name() == "evalsha" {
			evals.Add(1)
		}
	}})
	store := redisstore.New(c, redisstore.Options{})
	id := newID(t)
	stale := []byte(`{"cookie":{},"visits":0}`)
	if err := store.Set(ctx(t), id, stale, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	incr := func() float64 {
		t.Helper()
		p := storetest.NewPatchOn(stale, nil, nil, map[string]int64{"visits": 1})
		merged, err := store.Patch(ctx(t), id, p, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return recordOf(t, string(merged))["visits"].(float64)
	}
	for want := 1.0; want <= 5; want++ {
		if got := incr(); got != want {
			t.Fatalf("visits %v, want %v", got, want)
		}
	}
	// The first Patch has the right base; each later one a stale p.Base.
	if n := evals.Load(); n != 5 {
		t.Fatalf("%d compare-and-set calls for 5 patches, want 5", n)
	}

	other := newClient(t, "redis://"+c.Options().Addr+"/0")
	if err := other.Set(ctx(t), "sess:"+id, `{"cookie":{},"visits":100}`, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	evals.Store(0)
	if got := incr(); got != 101 {
		t.Fatalf("after another writer: visits %v, want 101", got)
	}
	if n := evals.Load(); n != 2 {
		t.Fatalf("after another writer: %d compare-and-set calls, want 2 (a wrong guess, then the stored record)", n)
	}
	// A Set forgets the guess: the next Patch starts from p.Base again.
	if err := store.Set(ctx(t), id, stale, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	evals.Store(0)
	if got := incr(); got != 1 || evals.Load() != 1 {
		t.Fatalf("after Set: visits %v in %d compare-and-set calls, want 1 in 1", got, evals.Load())
	}
}
