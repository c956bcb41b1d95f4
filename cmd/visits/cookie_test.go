package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/sealed"
)

const fastifyTestKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func cookieApp(t *testing.T, env map[string]string) *httptest.Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	m, closeStore, err := newSessions(context.Background(), config{store: "cookie", dataDir: t.TempDir()}, func(k string) string { return env[k] }, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	a, err := newApp(log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.routes(m))
	t.Cleanup(srv.Close)
	return srv
}

var countRE = regexp.MustCompile(`visited this page (\d+) times?\.`)

// get requests u with cookie and returns the body and the session cookie
// pair (the old one when none was set).
func get(t *testing.T, u, cookie string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if sc := res.Header.Get("Set-Cookie"); sc != "" {
		cookie, _, _ = strings.Cut(sc, ";")
	}
	return string(b), cookie
}

func TestCookieStoreCounts(t *testing.T) {
	srv := cookieApp(t, map[string]string{"SESSION_KEY": fastifyTestKey})
	cookie := ""
	for want := 1; want <= 3; want++ {
		var b string
		b, cookie = get(t, srv.URL+"/", cookie)
		if m := countRE.FindStringSubmatch(b); m == nil || m[1] != string(rune('0'+want)) {
			t.Fatalf("visit %d: %q", want, countRE.FindString(b))
		}
		if !strings.HasPrefix(cookie, "session=") {
			t.Fatalf("cookie %q: want the sealed session cookie", cookie)
		}
	}
}

// The tracker on sealed cookies and a Fastify app with the same key count
// on together.
func TestCookieStoreAlternatesWithFastify(t *testing.T) {
	node := testenv.StartNode(t, testenv.NodeDir(t, "fastify"), "secure-app.js", "SESSION_KEY="+fastifyTestKey)
	srv := cookieApp(t, map[string]string{"SESSION_KEY": fastifyTestKey})
	cookie := ""
	for want := 1; want <= 6; want++ {
		var got int
		if want%2 == 1 {
			var b string
			b, cookie = get(t, node+"/", cookie)
			var v struct{ Visits int }
			if err := json.Unmarshal([]byte(b), &v); err != nil {
				t.Fatal(err)
			}
			got = v.Visits
		} else {
			var b string
			b, cookie = get(t, srv.URL+"/", cookie)
			m := countRE.FindStringSubmatch(b)
			if m == nil {
				t.Fatalf("no count in %q", b)
			}
			got = int(m[1][0] - '0')
		}
		if got != want {
			t.Fatalf("visit %d: counted %d", want, got)
		}
	}
}

func TestSealedKeys(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	other, _ := sealed.GenerateKey()

	keys, err := sealedKeys(env(map[string]string{"SESSION_KEY": other.String() + ", " + fastifyTestKey}), t.TempDir(), log)
	if err != nil || len(keys) != 2 || keys[0] != other {
		t.Fatalf("SESSION_KEY with two keys: %v, %d keys", err, len(keys))
	}
	if _, err := sealedKeys(env(map[string]string{"SESSION_KEY": "short"}), t.TempDir(), log); !errors.Is(err, sealed.ErrKeySize) {
		t.Fatalf("bad SESSION_KEY: %v, want ErrKeySize", err)
	}
	const secret = "a secret of at least thirty-two bytes"
	keys, err = sealedKeys(env(map[string]string{"SESSION_SECRET": secret, "SESSION_SALT": "mq9hDxBVDbspDR6n"}), t.TempDir(), log)
	want, _ := sealed.DeriveKey(secret, []byte("mq9hDxBVDbspDR6n"))
	if err != nil || len(keys) != 1 || keys[0] != want {
		t.Fatalf("secret and salt: %v, %d keys, want the key DeriveKey gives", err, len(keys))
	}
	if _, _, err := newSessions(context.Background(), config{store: "cookie", dataDir: t.TempDir()}, env(map[string]string{"SESSION_SECRET": "too short"}), log); !errors.Is(err, sealed.ErrSecretTooShort) {
		t.Fatalf("short SESSION_SECRET: %v, want ErrSecretTooShort", err)
	}

	// No key: a development key, kept across restarts.
	dir := t.TempDir()
	first, err := sealedKeys(env(nil), dir, log)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sealedKeys(env(nil), dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if first[0] != second[0] {
		t.Fatal("development key changed across restarts")
	}
	if fi, err := os.Stat(filepath.Join(dir, "dev-key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dev-key: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}
