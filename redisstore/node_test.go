package redisstore_test

// Sharing sessions with a running express-session app on connect-redis 9
// through one Redis. The npm packages are pinned by
// testdata/connect-redis/package-lock.json; `make deps` (or `npm ci
// --prefix testdata/connect-redis`) installs them. These tests fail, never
// skip, when Node or the packages are missing.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/redisstore"
)

type visit struct {
	ID     string `json:"id"`
	Visits int    `json:"visits"`
}

// visitJSON is the Node app's GET / in Go: increment visits, answer
// {"id", "visits"}.
var visitJSON = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n, err := s.Increment(r.Context(), "visits", 1)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(visit{ID: s.ID(), Visits: int(n)})
})

// A session begun in Node continues in Go and back, alternating, and one
// begun in Go continues in Node: each side reads the other's record and
// cookie and counts on, and the record stays in connect-redis's format
// with its expiry.
func TestSharedWithConnectRedis(t *testing.T) {
	dir := testenv.NodeDir(t, "connect-redis")
	url := testenv.Redis(t)
	c := newClient(t, url)
	for _, maxAge := range []time.Duration{0, time.Hour} {
		for _, nodeFirst := range []bool{true, false} {
			name := fmt.Sprintf("maxAge=%v/nodeFirst=%v", maxAge, nodeFirst)
			t.Run(name, func(t *testing.T) {
				env := []string{"SESSION_SECRETS=" + `["` + testSecret + `"]`, "REDIS_URL=" + url}
				if maxAge > 0 {
					env = append(env, fmt.Sprintf("COOKIE_MAX_AGE=%d", maxAge.Milliseconds()))
				}
				nodeURL := testenv.StartNode(t, dir, "app.js", env...)

				m, logs := newManager(t, redisstore.New(c, redisstore.Options{}), maxAge)
				goSrv := httptest.NewServer(m.Handler(visitJSON))
				t.Cleanup(goSrv.Close)

				jar, _ := cookiejar.New(nil)
				browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
				wantTTL := maxAge
				if maxAge == 0 {
					wantTTL = session.DefaultStoreTTL
				}
				var id string
				for i := 1; i <= 6; i++ {
					side, base := "go", goSrv.URL
					if (i%2 == 1) == nodeFirst {
						side, base = "node", nodeURL
					}
					var v visit
					getVisit(t, browser, base, &v)
					if id == "" {
						id = v.ID
					}
					if v.ID != id || v.Visits != i {
						t.Fatalf("visit %d in %s: id %q visits %d; want id %q visits %d", i, side, v.ID, v.Visits, id, i)
					}
					raw, err := c.Get(ctx(t), "sess:"+id).Result()
					if err != nil {
						t.Fatalf("after visit %d in %s: GET sess:%s: %v", i, side, id, err)
					}
					rec := recordOf(t, raw)
					ck, ok := rec["cookie"].(map[string]any)
					if !ok || ck["path"] != "/" || ck["httpOnly"] != true || ck["sameSite"] != "lax" {
						t.Fatalf("after visit %d in %s: cookie object %v in %s", i, side, rec["cookie"], raw)
					}
					if maxAge == 0 && (ck["expires"] != nil || ck["originalMaxAge"] != nil) {
						t.Fatalf("after visit %d in %s: browser-session cookie stored as %v", i, side, ck)
					}
					if maxAge > 0 {
						// express-session derives originalMaxAge from expires - now,
						// which can be a millisecond or so short of maxAge.
						exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(ck["expires"]))
						orig, _ := ck["originalMaxAge"].(float64)
						if err != nil || orig > float64(maxAge.Milliseconds()) || orig < float64((maxAge-time.Second).Milliseconds()) ||
							time.Until(exp) > maxAge || time.Until(exp) < maxAge-time.Minute {
							t.Fatalf("after visit %d in %s: cookie %v (%v)", i, side, ck, err)
						}
					}
					if rec["visits"] != float64(i) || !strings.HasPrefix(raw, `{"cookie":{`) {
						t.Fatalf("after visit %d in %s: stored %s", i, side, raw)
					}
					assertTTL(t, c, "sess:"+id, wantTTL)
				}
				if logs.String() != "" {
					t.Fatalf("Go logged:\n%s", logs)
				}
			})
		}
	}
}

func getVisit(t *testing.T, c *http.Client, base string, v *visit) {
	t.Helper()
	res, err := c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s/: %s: %s", base, res.Status, body(t, res))
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
