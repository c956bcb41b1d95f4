package redisstore_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

func signedInAs(user string) []byte {
	return []byte(`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"passport":{"user":"` + user + `"}}`)
}

// assertNear fails unless got is within a second of want.
func assertNear(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Second || d > time.Second {
		t.Errorf("%s = %v, want %v ± 1s", what, got, want)
	}
}

// members returns the sorted members of the index key.
func members(t *testing.T, c redis.UniversalClient, key string) []string {
	t.Helper()
	got, err := c.ZRange(ctx(t), key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

func sortedIDs(found []session.StoredSession) []string {
	var ids []string
	for _, f := range found {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return ids
}

// The index disagrees with the sessions on purpose, every way it can:
// UserSessions returns only the sessions whose record names the user,
// with their true expiry, and leaves the index holding exactly those.
func TestUserIndexRepair(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		userIndexRepair(t, newClient(t, testenv.Redis(t)))
	})
	t.Run("cluster", func(t *testing.T) {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: testenv.RedisCluster(t)})
		t.Cleanup(func() { c.Close() })
		userIndexRepair(t, c)
	})
}

func userIndexRepair(t *testing.T, c redis.UniversalClient) {
	store := redisstore.New(c, redisstore.Options{})
	run := newID(t)[:8]
	alice, bob := "alice-"+run, "bob-"+run
	ikey := store.IndexKey(alice)
	if ikey != "user:sess:"+alice {
		t.Fatalf("IndexKey = %q", ikey)
	}
	hour := time.Now().Add(time.Hour)
	good, deleted, other, signedOut, extended, expired, pastScore := newID(t), newID(t), newID(t), newID(t), newID(t), newID(t), newID(t)
	for _, id := range []string{good, deleted, other, signedOut, extended} {
		if err := store.Set(ctx(t), id, signedInAs(alice), hour); err != nil {
			t.Fatal(err)
		}
	}
	if got := members(t, c, ikey); !slices.Equal(got, sortedIDs([]session.StoredSession{{ID: good}, {ID: deleted}, {ID: other}, {ID: signedOut}, {ID: extended}})) {
		t.Fatalf("index after the writes: %q", got)
	}

	// Behind the store's back, as a Node app or an operator would.
	bobRec := signedInAs(bob)
	for _, err := range []error{
		c.Del(ctx(t), "sess:"+deleted).Err(),
		c.Set(ctx(t), "sess:"+other, bobRec, time.Hour).Err(),
		c.Set(ctx(t), "sess:"+signedOut, `{"cookie":{},"passport":{}}`, time.Hour).Err(),
		c.Expire(ctx(t), "sess:"+extended, 3*time.Hour).Err(),
		// Expired: its key is gone, its score has passed.
		c.ZAdd(ctx(t), ikey, redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: expired}).Err(),
		// Alive, though its score has passed (a process whose clock ran
		// ahead scored it, or a Node app extended it): the key decides.
		c.Set(ctx(t), "sess:"+pastScore, signedInAs(alice), time.Hour).Err(),
		c.ZAdd(ctx(t), ikey, redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: pastScore}).Err(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	found, err := store.UserSessions(ctx(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{good, extended, pastScore}
	slices.Sort(want)
	if got := sortedIDs(found); !slices.Equal(got, want) {
		t.Fatalf("UserSessions = %q, want %q (good, extended, pastScore)", got, want)
	}
	for _, f := range found {
		if !bytes.Equal(f.Record, signedInAs(alice)) {
			t.Errorf("record of %s = %s", f.ID, f.Record)
		}
		switch f.ID {
		case good:
			assertNear(t, "Expires of the untouched session", f.Expires, hour)
		case extended:
			assertNear(t, "Expires of the session extended behind the index", f.Expires, time.Now().Add(3*time.Hour))
		case pastScore:
			assertNear(t, "Expires of the session with a past score", f.Expires, time.Now().Add(time.Hour))
		}
	}

	// The index was repaired: only the truth is left, the extended
	// session has its later score, and the set lives as long as it.
	if got := members(t, c, ikey); !slices.Equal(got, want) {
		t.Fatalf("index after UserSessions: %q, want %q", got, want)
	}
	score, err := c.ZScore(ctx(t), ikey, extended).Result()
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "score of the extended session", time.UnixMilli(int64(score)), time.Now().Add(3*time.Hour))
	score, err = c.ZScore(ctx(t), ikey, pastScore).Result()
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "score of the session with a past score", time.UnixMilli(int64(score)), time.Now().Add(time.Hour))
	if ttl := c.PTTL(ctx(t), ikey).Val(); ttl < 3*time.Hour-2*time.Second || ttl > 3*time.Hour+2*time.Second {
		t.Fatalf("PTTL of the index = %v, want about 3h", ttl)
	}

	// The session now bob's was never in bob's index (written behind the
	// store's back, as a Node app does); a touch puts it there.
	if found, err := store.UserSessions(ctx(t), bob); err != nil || len(found) != 0 {
		t.Fatalf("UserSessions(bob) before a Go write = %v, %v", found, err)
	}
	if err := store.Touch(ctx(t), other, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	found, err = store.UserSessions(ctx(t), bob)
	if err != nil || len(found) != 1 || found[0].ID != other || !bytes.Equal(found[0].Record, bobRec) {
		t.Fatalf("UserSessions(bob) after a touch = %v, %v", found, err)
	}
	assertNear(t, "Expires after the touch", found[0].Expires, time.Now().Add(2*time.Hour))

	// The last member gone, the set is gone.
	for _, id := range want {
		if err := store.Destroy(ctx(t), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Exists(ctx(t), ikey).Val(); n != 0 {
		t.Fatalf("index of %s still exists after its sessions were destroyed: %q", alice, members(t, c, ikey))
	}
}

// A write that lands while UserSessions repairs the index is not undone:
// a member is removed only if its score is still the one UserSessions
// read.
func TestUserIndexRepairRace(t *testing.T) {
	url := testenv.Redis(t)
	c := newClient(t, url)
	store := redisstore.New(c, redisstore.Options{})
	writer := redisstore.New(newClient(t, url), redisstore.Options{})
	alice := "alice-" + newID(t)[:8]
	id := newID(t)
	hour := time.Now().Add(time.Hour)
	if err := store.Set(ctx(t), id, signedInAs(alice), hour); err != nil {
		t.Fatal(err)
	}
	// Signed out behind the index: the member is stale.
	if err := c.Set(ctx(t), "sess:"+id, `{"cookie":{},"passport":{}}`, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	// Right before the repair, another process signs the session in again.
	var once sync.Once
	c.AddHook(conflictHook{before: func(ctx context.Context, cmd redis.Cmder) {
		if cmd.Name() == "evalsha" && cmd.Args()[3] == store.IndexKey(alice) {
			once.Do(func() {
				if err := writer.Set(ctx, id, signedInAs(alice), hour); err != nil {
					t.Error(err)
				}
			})
		}
	}})
	found, err := store.UserSessions(ctx(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 {
		t.Fatalf("UserSessions listed the record it read signed out: %v", found)
	}
	if got := members(t, c, store.IndexKey(alice)); !slices.Equal(got, []string{id}) {
		t.Fatalf("the repair removed the member a concurrent write re-added: index %q", got)
	}
	found, err = store.UserSessions(ctx(t), alice)
	if err != nil || len(found) != 1 || found[0].ID != id {
		t.Fatalf("UserSessions after the concurrent sign-in = %v, %v", found, err)
	}
}

// No session ID can name an index key: the index keys are outside the
// session prefix, whatever the prefix.
func TestUserIndexKeys(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	for _, tt := range []struct{ prefix, index string }{
		{"", "user:sess:"}, {"app1:", "user:app1:"}, {"user:", "by-user:user:"}, {"u", "by-user:u"},
	} {
		store := redisstore.New(c, redisstore.Options{Prefix: tt.prefix})
		if got := store.IndexKey("alice"); got != tt.index+"alice" {
			t.Errorf("Prefix %q: IndexKey = %q, want %q", tt.prefix, got, tt.index+"alice")
		}
	}

	// A session whose ID looks like an index key, beside a signed-in one.
	store := redisstore.New(c, redisstore.Options{})
	alice := "alice-" + newID(t)[:8]
	hour := time.Now().Add(time.Hour)
	signed, odd := newID(t), "user:sess:"+alice
	if err := store.Set(ctx(t), signed, signedInAs(alice), hour); err != nil {
		t.Fatal(err)
	}
	if err := store.Set(ctx(t), odd, signedInAs(alice), hour); err != nil {
		t.Fatal(err)
	}
	if got, _, err := store.Get(ctx(t), odd); err != nil || !bytes.Equal(got, signedInAs(alice)) {
		t.Fatalf("Get(%q) = %s, %v", odd, got, err)
	}
	found, err := store.UserSessions(ctx(t), alice)
	want := []string{signed, odd}
	slices.Sort(want)
	if err != nil || !slices.Equal(sortedIDs(found), want) {
		t.Fatalf("UserSessions = %v, %v; want %q", sortedIDs(found), err, want)
	}
	if typ := c.Type(ctx(t), store.IndexKey(alice)).Val(); typ != "zset" {
		t.Fatalf("type of %s = %q, want zset", store.IndexKey(alice), typ)
	}
	score := c.ZScore(ctx(t), store.IndexKey(alice), signed).Val()
	assertNear(t, "score", time.UnixMilli(int64(score)), hour)
	assertNear(t, "expiry of the index", time.Now().Add(c.PTTL(ctx(t), store.IndexKey(alice)).Val()), hour)

	// With another user key (the Manager's Options.UserKey).
	custom := redisstore.New(c, redisstore.Options{UserKey: "auth"})
	id := newID(t)
	if err := custom.Set(ctx(t), id, []byte(`{"cookie":{},"auth":{"user":42},"passport":{"user":"mallory"}}`), hour); err != nil {
		t.Fatal(err)
	}
	if found, err := custom.UserSessions(ctx(t), "42"); err != nil || len(found) != 1 || found[0].ID != id {
		t.Fatalf("UserSessions(42) with UserKey auth = %v, %v", found, err)
	}
	if found, err := custom.UserSessions(ctx(t), "mallory"); err != nil || len(found) != 0 {
		t.Fatalf("UserSessions(mallory) with UserKey auth = %v, %v", found, err)
	}
}

// httpHandler serves f's answer for the request's session and path; an
// error is a 500.
func httpHandler(f func(s *session.Session, path string) (string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := f(session.From(r), r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, out)
	})
}

// serveAt serves a GET of path with cookie.
func serveAt(h http.Handler, path, cookie string) *http.Response {
	r := httptest.NewRequest("GET", path, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// roundTrips counts the round trips a client makes: a command, or a
// pipeline.
type roundTrips struct{ n atomic.Int64 }

// handshake reports whether cmd is one go-redis sends on a new connection.
func handshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "client", "auth", "select":
		return true
	}
	return false
}

func (*roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, handshake) {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// The index costs nothing on a session nobody is signed in to, and one
// round trip on one somebody is.
func TestUserIndexRoundTrips(t *testing.T) {
	c := newClient(t, testenv.Redis(t))
	rt := &roundTrips{}
	c.AddHook(rt)
	store := redisstore.New(c, redisstore.Options{})
	alice := "alice-" + newID(t)[:8]
	hour := time.Now().Add(time.Hour)
	anon := []byte(`{"cookie":{},"visits":1}`)
	ops := []struct {
		name string
		do   func(id string, rec []byte) error
	}{
		{"Set", func(id string, rec []byte) error { return store.Set(ctx(t), id, rec, hour) }},
		{"Patch", func(id string, rec []byte) error {
			_, err := store.Patch(ctx(t), id, storetest.NewPatchOn(rec, nil, nil, map[string]int64{"visits": 1}), hour)
			return err
		}},
		{"Touch", func(id string, _ []byte) error { return store.Touch(ctx(t), id, hour) }},
		{"Destroy", func(id string, _ []byte) error { return store.Destroy(ctx(t), id) }},
	}
	for _, tt := range []struct {
		rec  []byte
		want []int64 // per op
	}{
		{anon, []int64{1, 1, 1, 1}},
		{signedInAs(alice), []int64{2, 2, 2, 3}},
	} {
		for pass := range 2 { // the first loads the scripts
			id := newID(t)
			rec := tt.rec
			for i, op := range ops {
				if op.name == "Patch" {
					rec, _, _ = store.Get(ctx(t), id)
				}
				before := rt.n.Load()
				if err := op.do(id, rec); err != nil {
					t.Fatal(err)
				}
				if n := rt.n.Load() - before; pass == 1 && n != tt.want[i] {
					t.Errorf("%s of %s: %d round trips, want %d", op.name, tt.rec, n, tt.want[i])
				}
			}
		}
	}

	// Listing a consistent index: the index, then the records.
	for range 3 {
		if err := store.Set(ctx(t), newID(t), signedInAs(alice), hour); err != nil {
			t.Fatal(err)
		}
	}
	before := rt.n.Load()
	found, err := store.UserSessions(ctx(t), alice)
	if err != nil || len(found) != 3 {
		t.Fatalf("UserSessions = %v, %v", found, err)
	}
	if n := rt.n.Load() - before; n != 2 {
		t.Errorf("UserSessions of a consistent index: %d round trips, want 2", n)
	}
}

// Through the Manager: SignIn lists the session, a second device too,
// EndOtherSessions ends the first device's, and SignOut takes the
// session out of the list.
func TestUserIndexManager(t *testing.T) {
	store := redisstore.New(newClient(t, testenv.Redis(t)), redisstore.Options{})
	m, logs := newManager(t, store, time.Hour)
	user := "carol-" + newID(t)[:8]
	var ended atomic.Int64
	h := m.Handler(httpHandler(func(s *session.Session, path string) (string, error) {
		switch path {
		case "/in":
			return "", s.SignIn(context.Background(), user)
		case "/others":
			n, err := s.EndOtherSessions(context.Background())
			ended.Add(int64(n))
			return "", err
		case "/out":
			return "", s.SignOut(context.Background())
		case "/list":
			list, err := s.UserSessions(context.Background())
			return strconv.Itoa(len(list)), err
		}
		u, _ := s.User()
		return u, nil
	}))
	dev1 := sessionCookie(t, serveAt(h, "/in", ""))
	dev2 := sessionCookie(t, serveAt(h, "/in", ""))
	if got := body(t, serveAt(h, "/list", dev1)); got != "2" {
		t.Fatalf("sessions after two sign-ins: %q", got)
	}
	serveAt(h, "/others", dev2)
	if ended.Load() != 1 {
		t.Fatalf("EndOtherSessions ended %d", ended.Load())
	}
	if got := body(t, serveAt(h, "/whoami", dev1)); got != "" {
		t.Fatalf("the ended device is still signed in as %q", got)
	}
	if got := body(t, serveAt(h, "/list", dev2)); got != "1" {
		t.Fatalf("sessions after EndOtherSessions: %q", got)
	}
	serveAt(h, "/out", dev2)
	if found, err := store.UserSessions(ctx(t), user); err != nil || len(found) != 0 {
		t.Fatalf("UserSessions after SignOut = %v, %v", found, err)
	}
	if logs.String() != "" {
		t.Fatalf("log: %s", logs)
	}
}

// BenchmarkIndexCost is a write and a touch of a session nobody is signed
// in to and of one somebody is, on a local Redis: the difference is the
// index's round trip.
func BenchmarkIndexCost(b *testing.B) {
	c, err := redis.ParseURL(testenv.Redis(b))
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewClient(c)
	b.Cleanup(func() { client.Close() })
	store := redisstore.New(client, redisstore.Options{})
	bg := context.Background()
	for _, tt := range []struct {
		name string
		rec  []byte
	}{
		{"anonymous", []byte(`{"cookie":{"originalMaxAge":3600000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":12}`)},
		{"signed-in", []byte(`{"cookie":{"originalMaxAge":3600000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":12,"passport":{"user":"alice"}}`)},
	} {
		id, _ := session.NewID()
		b.Run("Set/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if err := store.Set(bg, id, tt.rec, time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Touch/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if err := store.Touch(bg, id, time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
