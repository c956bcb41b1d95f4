package redisstore_test

// Flash messages shared between Node and Go through one Redis: the real
// connect-flash 0.1.1 (req.flash) on express-session and connect-redis 9,
// and Session.Flash, Flashes and AllFlashes on redisstore. The npm
// packages are pinned by testdata/flash/package-lock.json; `make deps` (or
// `npm ci --prefix testdata/flash`) installs them. The test fails, never
// skips, when Node, the packages or redis-server are missing.

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/redisstore"
)

// flashAnswer is what /flash and /flashes answer on either side.
type flashAnswer struct {
	ID       string              `json:"id"`
	Count    int                 `json:"count"`
	Messages []string            `json:"messages"`
	All      map[string][]string `json:"all"`
}

// flashGoRoutes are the Node app's routes in Go.
func flashGoRoutes() http.Handler {
	answer := func(w http.ResponseWriter, a flashAnswer) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.Flash(r.URL.Query().Get("type"), r.URL.Query().Get("msg")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		answer(w, flashAnswer{ID: s.ID()})
	})
	mux.HandleFunc("/flashes", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if kind := r.URL.Query().Get("type"); kind != "" {
			msgs := s.Flashes(kind)
			if msgs == nil {
				msgs = []string{} // as Node's req.flash(type) answers
			}
			answer(w, flashAnswer{ID: s.ID(), Messages: msgs})
			return
		}
		all := s.AllFlashes()
		if all == nil {
			all = map[string][]string{}
		}
		answer(w, flashAnswer{ID: s.ID(), All: all})
	})
	return mux
}

func TestFlashConnectRedis(t *testing.T) {
	dir := testenv.NodeDir(t, "flash")
	redisURL := testenv.Redis(t)
	c := newClient(t, redisURL)
	secrets, _ := json.Marshal([]string{testSecret})
	node := testenv.StartNode(t, dir, "app.js", "SESSION_SECRETS="+string(secrets), "REDIS_URL="+redisURL)
	m, logs := newManager(t, redisstore.New(c, redisstore.Options{}), 0)
	goSrv := httptest.NewServer(m.Handler(flashGoRoutes()))
	t.Cleanup(goSrv.Close)
	t.Cleanup(func() {
		if s := logs.String(); s != "" {
			t.Errorf("Go logged:\n%s", s)
		}
	})
	base := map[string]string{"node": node, "go": goSrv.URL}

	// A browser on both servers (one host, so one cookie), and the session
	// it is in.
	type browser struct {
		client *http.Client
		id     string
	}
	newBrowser := func() *browser {
		jar, _ := cookiejar.New(nil)
		return &browser{client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	}
	call := func(t *testing.T, b *browser, side, path string, q url.Values) flashAnswer {
		t.Helper()
		res, err := b.client.Get(base[side] + path + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s?%s: %s: %s", side, path, q.Encode(), res.Status, body(t, res))
		}
		var a flashAnswer
		if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
			t.Fatalf("%s %s?%s: %v", side, path, q.Encode(), err)
		}
		if b.id == "" {
			b.id = a.ID
		}
		if a.ID != b.id {
			t.Fatalf("%s %s?%s: session %s, want the browser's %s", side, path, q.Encode(), a.ID, b.id)
		}
		return a
	}
	flash := func(t *testing.T, b *browser, side, kind, msg string) {
		t.Helper()
		call(t, b, side, "/flash", url.Values{"type": {kind}, "msg": {msg}})
	}
	read := func(t *testing.T, b *browser, side, kind string, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if got := call(t, b, side, "/flashes", url.Values{"type": {kind}}).Messages; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s read flashes %q: %q, want %q", side, kind, got, want)
		}
	}
	readAll := func(t *testing.T, b *browser, side string, want map[string][]string) {
		t.Helper()
		if got := call(t, b, side, "/flashes", nil).All; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s read all flashes: %q, want %q", side, got, want)
		}
	}
	// stored returns the stored record's "flash" value as JSON, "" when
	// it has none.
	stored := func(t *testing.T, b *browser) string {
		t.Helper()
		raw, err := c.Get(ctx(t), "sess:"+b.id).Result()
		if err != nil {
			t.Fatalf("GET sess:%s: %v", b.id, err)
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatalf("record %s: %v", raw, err)
		}
		return string(rec["flash"])
	}
	assertStored := func(t *testing.T, b *browser, want string) {
		t.Helper()
		if got := stored(t, b); got != want {
			t.Fatalf("stored flash %s, want %s", got, want)
		}
	}

	t.Run("NodeSetsGoShows", func(t *testing.T) {
		b := newBrowser()
		flash(t, b, "node", "info", "one")
		flash(t, b, "node", "error", "bad")
		flash(t, b, "node", "info", "two <b>")
		call(t, b, "node", "/flash", url.Values{"type": {"info"}, "json": {`{"n":1}`}})
		assertStored(t, b, `{"info":["one","two <b>",{"n":1}],"error":["bad"]}`)

		read(t, b, "go", "info", "one", "two <b>", `{"n":1}`) // shown once...
		assertStored(t, b, `{"error":["bad"]}`)
		read(t, b, "go", "info")   // ...then gone in Go
		read(t, b, "node", "info") // and in Node
		assertStored(t, b, `{"error":["bad"]}`)

		readAll(t, b, "go", map[string][]string{"error": {"bad"}})
		assertStored(t, b, "") // Go removes the emptied flash key
		readAll(t, b, "node", map[string][]string{})
		read(t, b, "go", "error")
		// connect-flash leaves (and creates, even to read) an empty object;
		// Go reads it as no messages and leaves it be.
		assertStored(t, b, `{}`)
	})

	t.Run("GoSetsNodeShows", func(t *testing.T) {
		b := newBrowser()
		flash(t, b, "go", "info", "hello")
		flash(t, b, "go", "warn", "careful & <b>")
		flash(t, b, "go", "info", "world")
		assertStored(t, b, `{"info":["hello","world"],"warn":["careful & <b>"]}`)

		read(t, b, "node", "info", "hello", "world")
		read(t, b, "node", "info")
		read(t, b, "go", "info")
		assertStored(t, b, `{"warn":["careful & <b>"]}`)

		readAll(t, b, "node", map[string][]string{"warn": {"careful & <b>"}})
		readAll(t, b, "go", map[string][]string{})
		read(t, b, "node", "warn")
	})

	t.Run("BothSidesOneKindInOrder", func(t *testing.T) {
		b := newBrowser()
		flash(t, b, "node", "info", "n1")
		flash(t, b, "go", "info", "g2")
		flash(t, b, "node", "info", "n3")
		flash(t, b, "go", "error", "g4")
		flash(t, b, "go", "info", "g5")
		assertStored(t, b, `{"info":["n1","g2","n3","g5"],"error":["g4"]}`)
		readAll(t, b, "node", map[string][]string{"info": {"n1", "g2", "n3", "g5"}, "error": {"g4"}})
		read(t, b, "go", "info")
		read(t, b, "go", "error")

		flash(t, b, "go", "info", "g6")
		flash(t, b, "node", "info", "n7")
		readAll(t, b, "go", map[string][]string{"info": {"g6", "n7"}})
		readAll(t, b, "node", map[string][]string{})
	})
}
