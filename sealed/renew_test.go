package sealed_test

import (
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// sealedAt returns a cookie holding {"visits":1} last written age ago.
func sealedAt(t *testing.T, age time.Duration) string {
	t.Helper()
	box, err := sealed.NewBox(testKey)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now().Add(-age).Unix()
	v, err := box.Seal([]byte(`{"__ts":` + strconv.FormatInt(ts, 10) + `,"visits":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return "session=" + url.QueryEscape(v)
}

// A read re-seals the data, with a fresh expiry, only once Renew says it is due
// (RenewAfter(0.5) of Expiry by default) has passed since the last write; RenewNever is the plugin's
// behaviour (reads never extend), RenewEveryRequest re-seals every time.
func TestSealedLazyRenewal(t *testing.T) {
	tests := []struct {
		name  string
		renew session.Renewal
		age   time.Duration // of the data, with Expiry 1 hour
		want  bool          // a new cookie
	}{
		{"fresh", session.Renewal{}, time.Minute, false},
		{"under half", session.Renewal{}, 29 * time.Minute, false},
		{"over half", session.Renewal{}, 31 * time.Minute, true},
		{"0.9, 50 minutes", session.RenewAfter(0.9), 50 * time.Minute, false},
		{"0.9, 55 minutes", session.RenewAfter(0.9), 55 * time.Minute, true},
		{"never, 59 minutes", session.RenewNever(), 59 * time.Minute, false},
		{"every request, 1 second", session.RenewEveryRequest(), time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, session.SealedOptions{Expiry: time.Hour, Renew: tt.renew})
			res := serve(m.Handler(reader), sealedAt(t, tt.age))
			if got := bodyOf(res); got != "1" {
				t.Fatalf("visits %q, want 1", got)
			}
			c := pair(res)
			if (c != "") != tt.want {
				t.Fatalf("Set-Cookie %q, want a cookie: %v", c, tt.want)
			}
			if c == "" {
				return
			}
			// The renewed cookie holds the same data, written now.
			again := serve(m.Handler(reader), c)
			if bodyOf(again) != "1" {
				t.Fatal("the renewed cookie lost the data")
			}
			if tt.renew != session.RenewEveryRequest() && pair(again) != "" {
				t.Fatal("the renewed cookie was renewed again at once")
			}
		})
	}
}

func TestSealedRenewAfterValidation(t *testing.T) {
	for _, f := range []float64{1, -0.5, 2} {
		box, _ := sealed.NewBox(testKey)
		if _, err := session.NewSealed(session.SealedOptions{Sealer: box, Renew: session.RenewAfter(f)}); !errors.Is(err, session.ErrInvalidOption) {
			t.Errorf("RenewAfter(%v): %v, want ErrInvalidOption", f, err)
		}
	}
}
