package pgstore_test

// Sharing sessions with a Node app using express-session and
// connect-pg-simple 10.0.0 (testdata/connect-pg, pinned by its
// package-lock.json; `make deps` or `npm ci --prefix testdata/connect-pg`
// installs it). Fails, never skips, without Node or PostgreSQL.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/pgstore"
)

// The Node app and a Manager with pgstore, on one table and one secret,
// serve one visitor in turn: the cookie either sets loads the row the
// other wrote, and the visits count on.
func TestSharedWithConnectPgSimple(t *testing.T) {
	dir := testenv.NodeDir(t, "connect-pg")
	tests := []struct {
		name   string
		maxAge time.Duration
		table  string
		// goCreates: the Go store creates the table before the Node app
		// starts; otherwise connect-pg-simple creates it on its first
		// query and Go finds it.
		goCreates bool
	}{
		{name: "browser-session cookie", table: "session", goCreates: true},
		{name: "COOKIE_MAX_AGE", maxAge: 2 * time.Hour, table: "node_sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbURL := testenv.Postgres(t)
			pool := newPool(t, dbURL, nil)
			opts := pgstore.Options{TableName: tt.table, CreateTable: true, PruneInterval: -1}
			var store *pgstore.Store
			if tt.goCreates {
				store = newStore(t, pool, opts)
			}
			secrets, _ := json.Marshal([]string{secret})
			env := []string{"SESSION_SECRETS=" + string(secrets), "DATABASE_URL=" + dbURL, "TABLE_NAME=" + tt.table}
			if tt.maxAge > 0 {
				env = append(env, fmt.Sprintf("COOKIE_MAX_AGE=%d", tt.maxAge.Milliseconds()))
			}
			node := testenv.StartNode(t, dir, "app.js", env...)

			// A browser: cookies are per host, not per port, so the
			// connect.sid cookie one app sets goes to the other.
			visitor := func() *http.Client {
				jar, _ := cookiejar.New(nil)
				return &http.Client{Jar: jar, Timeout: 30 * time.Second}
			}
			var goURL string
			goSide := func() string {
				if goURL == "" {
					if store == nil {
						// The Node app created the table: CreateTable is
						// a no-op on it, and Go uses the same table.
						store = newStore(t, pool, opts)
					}
					goURL = goServer(t, store, tt.maxAge)
				}
				return goURL
			}
			// alternate sends n visits, alternating between the apps,
			// Node first or Go first, and returns the session ID.
			alternate := func(client *http.Client, n int, nodeFirst bool) string {
				var id string
				for i := 1; i <= n; i++ {
					base, side := node, "node"
					if (i%2 == 0) == nodeFirst {
						base, side = goSide(), "go"
					}
					var v visit
					getJSON(t, client, base+"/", &v)
					if v.Visits != i || (id != "" && v.ID != id) {
						t.Fatalf("visit %d, on %s: %+v; want visits %d of session %q", i, side, v, i, id)
					}
					id = v.ID
				}
				return id
			}
			id := alternate(visitor(), 6, true)
			// A session Go begins (a whole-record Set) continues in Node too.
			if other := alternate(visitor(), 3, false); other == id {
				t.Fatal("two visitors share a session")
			}
			checkShape(t, pool, `"`+tt.table+`"`, store)

			// The row, as SQL, Go and Node read it.
			var sessText string
			var expire time.Time
			if err := pool.QueryRow(testCtx(t), `SELECT sess::text, expire::timestamptz FROM "`+tt.table+`" WHERE sid = $1`, id).
				Scan(&sessText, &expire); err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Cookie struct {
					OriginalMaxAge *int64  `json:"originalMaxAge"`
					Expires        *string `json:"expires"`
					HTTPOnly       bool    `json:"httpOnly"`
					Path           string  `json:"path"`
					SameSite       string  `json:"sameSite"`
				} `json:"cookie"`
				Visits int `json:"visits"`
			}
			if err := json.Unmarshal([]byte(sessText), &rec); err != nil {
				t.Fatalf("stored sess %s: %v", sessText, err)
			}
			c := rec.Cookie
			if rec.Visits != 6 || !c.HTTPOnly || c.Path != "/" || c.SameSite != "lax" {
				t.Errorf("stored sess %s: want visits 6 and express-session's cookie", sessText)
			}
			wantExpire := time.Now().Add(session.DefaultStoreTTL)
			if tt.maxAge > 0 {
				// express-session's maxAge setter computes originalMaxAge
				// as expires - Date.now(), a millisecond short when the
				// clock ticks between its two reads: allow a second.
				if c.OriginalMaxAge == nil || *c.OriginalMaxAge > tt.maxAge.Milliseconds() ||
					*c.OriginalMaxAge < (tt.maxAge-time.Second).Milliseconds() || c.Expires == nil {
					t.Fatalf("stored cookie %s: want originalMaxAge %d and expires", sessText, tt.maxAge.Milliseconds())
				}
				exp, err := time.Parse(time.RFC3339Nano, *c.Expires)
				if err != nil {
					t.Fatal(err)
				}
				// connect-pg-simple's expire: cookie.expires rounded up.
				if d := expire.Sub(exp); d < 0 || d >= time.Second {
					t.Errorf("expire %v is %v after cookie.expires %v; want within a second, rounded up", expire, d, exp)
				}
				wantExpire = exp
			} else if c.OriginalMaxAge != nil || c.Expires != nil {
				t.Errorf("stored cookie %s: want a browser-session cookie", sessText)
			}
			if d := expire.Sub(wantExpire); d < -5*time.Second || d > 5*time.Second {
				t.Errorf("expire %v, want about %v", expire, wantExpire)
			}

			goRec, _, err := store.Get(testCtx(t), id)
			if err != nil || string(goRec) != sessText {
				t.Errorf("Go reads %s, %v; want the row %s", goRec, err, sessText)
			}
			res, err := http.Get(node + "/record?sid=" + url.QueryEscape(id))
			if err != nil {
				t.Fatal(err)
			}
			nodeRec, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var a, b any
			if res.StatusCode != 200 || json.Unmarshal(nodeRec, &a) != nil || json.Unmarshal([]byte(sessText), &b) != nil || fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("connect-pg-simple reads %s %s; want the row %s", res.Status, nodeRec, sessText)
			}
		})
	}
}

// goServer serves the visit counter with a Manager on store, configured as
// the Node app is, and returns its URL.
func goServer(t *testing.T, store *pgstore.Store, maxAge time.Duration) string {
	t.Helper()
	m, err := session.New(session.Options{
		Secrets: []string{secret},
		Store:   store,
		Cookie:  session.CookieOptions{MaxAge: maxAge},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(visitCounter))
	t.Cleanup(srv.Close)
	return srv.URL
}

func getJSON(t *testing.T, c *http.Client, u string, v any) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, res.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, body)
	}
}
