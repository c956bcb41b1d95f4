package sealed_test

// Compatibility with a real Fastify 5 app using @fastify/secure-session
// 8.4.0 (pinned by testdata/fastify/package-lock.json; `make deps`
// installs it). These tests fail, never skip, when Node is missing.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/sealed"
)

func fastifyApp(t *testing.T, env ...string) string {
	t.Helper()
	return testenv.StartNode(t, testenv.NodeDir(t, "fastify"), "secure-app.js", env...)
}

// visit sends one request with cookie (a "session=..." pair or "") and
// returns the JSON visits count and the new cookie pair, or the old one
// when none was set.
func visitNode(t *testing.T, base, path, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		Visits *int `json:"visits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if p := pair(res); p != "" {
		cookie = p
	}
	if v.Visits == nil {
		return 0, cookie
	}
	return *v.Visits, cookie
}

func visitGo(t *testing.T, m *session.SealedManager, cookie string) (int, string) {
	t.Helper()
	res := serve(m.Handler(counter), cookie)
	n := 0
	if b := bodyOf(res); b != "" {
		n = atoi(t, b)
	}
	if p := pair(res); p != "" {
		cookie = p
	}
	return n, cookie
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// Visits alternating between Fastify and Go count on without a reset.
func TestAlternatingWithFastify(t *testing.T) {
	const secret = "averylogphrasebiggerthanthirtytwochars"
	derived, err := sealed.DeriveKey(secret, []byte("mq9hDxBVDbspDR6n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		key  sealed.Key
	}{
		{"raw key", []string{"SESSION_KEY=" + testKey.String()}, testKey},
		{"secret and salt", []string{"SESSION_SECRET=" + secret, "SESSION_SALT=mq9hDxBVDbspDR6n"}, derived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := fastifyApp(t, tt.env...)
			m := newManager(t, session.SealedOptions{}, tt.key)
			cookie := ""
			var n int
			for want := 1; want <= 6; want++ {
				if want%2 == 1 {
					n, cookie = visitNode(t, base, "/", cookie)
				} else {
					n, cookie = visitGo(t, m, cookie)
				}
				if n != want {
					t.Fatalf("visit %d (%s): counted %d", want, map[bool]string{true: "node", false: "go"}[want%2 == 1], n)
				}
			}
		})
	}
}

func TestRotationWithFastify(t *testing.T) {
	newKey, _ := sealed.GenerateKey()
	// Fastify on the old key starts the session.
	oldNode := fastifyApp(t, "SESSION_KEY="+testKey.String())
	_, cookie := visitNode(t, oldNode, "/", "")
	// Go, rotated to a new key, reads it and re-seals with the new key on
	// a read-only request.
	rotated := newManager(t, session.SealedOptions{}, newKey, testKey)
	res := serve(rotated.Handler(reader), cookie)
	if bodyOf(res) != "1" || pair(res) == "" {
		t.Fatalf("Go on an old-key cookie: visits %q, Set-Cookie %q; want 1 and a re-sealed cookie", bodyOf(res), pair(res))
	}
	resealed := pair(res)
	// Fastify with only the new key reads Go's re-sealed cookie.
	newNode := fastifyApp(t, "SESSION_KEY="+newKey.String())
	if n, _ := visitNode(t, newNode, "/", resealed); n != 2 {
		t.Fatalf("Fastify on the new key: counted %d, want 2", n)
	}
	// And the reverse: Fastify rotated to [new, old] reads a Go old-key cookie.
	_, goOld := visitGo(t, newManager(t, session.SealedOptions{}, testKey), "")
	rotatedNode := fastifyApp(t, "SESSION_KEY="+newKey.String()+","+testKey.String())
	if n, _ := visitNode(t, rotatedNode, "/", goOld); n != 2 {
		t.Fatalf("rotated Fastify on Go's old-key cookie: counted %d, want 2", n)
	}
}

// The fixed vector of node-wire-formats.md §4.8 through the plugin, and
// Go's seal opened by the plugin's decoder.
func TestFastifyDecoder(t *testing.T) {
	const raw = "Ud96okFkWI6vUcvhUV/yMV+x6B+Uyis27Z++05Gj7i0Ndsxs3sS/hnIYAJhG9Q==;gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaX"
	type decoded struct {
		OK   bool            `json:"ok"`
		Data json.RawMessage `json:"data"`
		TS   int64           `json:"ts"`
	}
	decode := func(base, value string) decoded {
		t.Helper()
		res, err := http.Get(base + "/decode?" + url.Values{"value": {value}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var d decoded
		if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := fastifyApp(t, "SESSION_KEY="+testKey.String())
	if d := decode(base, raw); d.OK {
		t.Fatalf("plugin accepted the expired vector: %+v", d)
	}
	long := fastifyApp(t, "SESSION_KEY="+testKey.String(), "SESSION_EXPIRY=4000000000")
	if d := decode(long, raw); !d.OK || string(d.Data) != `{"visits":1}` || d.TS != 1700000000 {
		t.Fatalf("plugin with a long expiry: %+v; want visits 1 at 1700000000", d)
	}

	box, _ := sealed.NewBox(testKey)
	ts := time.Now().Unix()
	value, err := box.Seal([]byte(`{"__ts":` + itoa(ts) + `,"cart":["a","b"],"visits":9}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := decode(base, value); !d.OK || string(d.Data) != `{"cart":["a","b"],"visits":9}` || d.TS != ts {
		t.Fatalf("plugin decoding Go's seal: %+v", d)
	}

	// The plugin's encoder, opened by Go.
	res, err := http.Post(base+"/encode", "application/json", strings.NewReader(`{"visits":5,"name":"é"}`))
	if err != nil {
		t.Fatal(err)
	}
	nodeValue := bodyOf(res)
	res.Body.Close()
	plain, stale, err := box.Open(nodeValue)
	if err != nil || stale {
		t.Fatalf("Go opening the plugin's value %q: %v (stale %v)", nodeValue, err, stale)
	}
	var got map[string]any
	if err := json.Unmarshal(plain, &got); err != nil || got["visits"] != 5.0 || got["name"] != "é" || got["__ts"] == nil {
		t.Fatalf("plugin's plaintext %s", plain)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
