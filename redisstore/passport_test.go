package redisstore_test

// A sign-in shared between Node and Go through one Redis: the real
// passport 0.7 (req.login, req.logout, req.user) on express-session and
// connect-redis 9, and Session.SignIn, SignOut and User on redisstore. The
// npm packages are pinned by testdata/passport/package-lock.json; `make
// deps` (or `npm ci --prefix testdata/passport`) installs them. The test
// fails, never skips, when Node, the packages or redis-server are missing.
//
// The cases (package internal/passporttest) are the same as pgstore's; only
// the store and the way the test reads a stored record differ.

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/internal/passporttest"
	"github.com/sessionkit/session/internal/testenv"
	"github.com/sessionkit/session/redisstore"
)

func TestPassportConnectRedis(t *testing.T) {
	dir := testenv.NodeDir(t, "passport")
	redisURL := testenv.Redis(t)
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { client.Close() })

	secrets, _ := json.Marshal([]string{passporttest.Secret})
	node := testenv.StartNode(t, dir, "app.js", "SESSION_SECRETS="+string(secrets), "REDIS_URL="+redisURL)
	passporttest.Run(t, node, redisstore.New(client, redisstore.Options{}),
		func(t *testing.T, id string) (string, bool) {
			t.Helper()
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			raw, err := client.Get(c, "sess:"+id).Result()
			if errors.Is(err, redis.Nil) {
				return "", false
			}
			if err != nil {
				t.Fatalf("GET sess:%s: %v", id, err)
			}
			return raw, true
		})
}
