package testenv_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testenv"
)

func TestSignJS(t *testing.T) {
	dir := testenv.NodeDir(t, "node")

	const (
		value  = "abc"
		secret = "keyboard cat"
		want   = "abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU"
	)
	if got := testenv.RunNode(t, dir, "sign.js", "sign", value, secret); got != want {
		t.Errorf("sign.js sign %q %q = %q, want %q", value, secret, got, want)
	}
	if got := testenv.RunNode(t, dir, "sign.js", "unsign", want, "wrong", secret); got != value {
		t.Errorf("sign.js unsign with rotated secrets = %q, want %q", got, value)
	}
	if got := testenv.RunNode(t, dir, "sign.js", "unsign", want, "wrong"); got != "false" {
		t.Errorf("sign.js unsign with wrong secret = %q, want %q", got, "false")
	}
}

func TestExpressApp(t *testing.T) {
	dir := testenv.NodeDir(t, "node")
	base := testenv.StartNode(t, dir, "express-app.js", `SESSION_SECRETS=["keyboard cat"]`)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	var firstID string
	for want := 1; want <= 3; want++ {
		resp, err := client.Get(base + "/")
		if err != nil {
			t.Fatalf("GET / #%d: %v", want, err)
		}
		var body struct {
			ID     string `json:"id"`
			Visits int    `json:"visits"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET / #%d: decoding body: %v", want, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / #%d: status %d", want, resp.StatusCode)
		}
		if body.Visits != want {
			t.Errorf("GET / #%d: visits = %d, want %d", want, body.Visits, want)
		}
		if want == 1 {
			firstID = body.ID
			const prefix = "connect.sid=s%3A"
			if sc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, prefix) {
				t.Errorf("first Set-Cookie = %q, want prefix %q", sc, prefix)
			}
		} else if body.ID != firstID {
			t.Errorf("GET / #%d: session id = %q, want %q", want, body.ID, firstID)
		}
	}
}
