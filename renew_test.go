package session_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// touchLog is a memory store that records the expiry of every Touch.
type touchLog struct {
	*memstore.Store
	mu      sync.Mutex
	touches []time.Time
}

func (l *touchLog) Touch(ctx context.Context, id string, exp time.Time) error {
	l.mu.Lock()
	l.touches = append(l.touches, exp)
	l.mu.Unlock()
	return l.Store.Touch(ctx, id, exp)
}

func (l *touchLog) take() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.touches
	l.touches = nil
	return t
}

// storedSession puts a session with {"visits":1} under a fixed ID, its
// cookie last set with maxAge (0: none) and its store expiry at exp, and
// returns the cookie that names it.
func storedSession(t *testing.T, st session.Store, maxAge time.Duration, exp time.Time) string {
	t.Helper()
	id := "a-stored-session-for-renewal-tests-000"
	ck := `{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"}`
	if maxAge > 0 {
		ck = `{"originalMaxAge":` + strconv.FormatInt(maxAge.Milliseconds(), 10) + `,"expires":"` +
			exp.UTC().Format("2006-01-02T15:04:05.000Z") + `","httpOnly":true,"path":"/","sameSite":"lax"}`
	}
	rec := `{"cookie":` + ck + `,"visits":1}`
	if err := st.Set(context.Background(), id, []byte(rec), exp); err != nil {
		t.Fatal(err)
	}
	return "connect.sid=" + url.QueryEscape("s:"+session.Sign(id, testSecret))
}

// An unmodified session's expiry is renewed (one Touch, and with Rolling
// a new cookie) only once Options.Renew says it is due since the
// store's expiry was last set; then to exactly now + lifetime.
func TestLazyRenewal(t *testing.T) {
	const hour = time.Hour
	tests := []struct {
		name      string
		opts      session.Options
		maxAge    time.Duration
		remaining time.Duration // store expiry - now at the request
		renew     bool
		lifetime  time.Duration // what a renewal extends to
	}{
		{"fresh: no renewal", session.Options{}, hour, 59 * time.Minute, false, 0},
		{"under half gone", session.Options{}, hour, 31 * time.Minute, false, 0},
		{"over half gone", session.Options{}, hour, 29 * time.Minute, true, hour},
		{"a fraction of 0.9: 40 minutes gone is too soon", session.Options{Renew: session.RenewAfter(0.9)}, hour, 20 * time.Minute, false, 0},
		{"a fraction of 0.9: 55 minutes gone", session.Options{Renew: session.RenewAfter(0.9)}, hour, 5 * time.Minute, true, hour},
		{"a fraction of 0.1: 7 minutes gone", session.Options{Renew: session.RenewAfter(0.1)}, hour, 53 * time.Minute, true, hour},
		{"every request", session.Options{Renew: session.RenewEveryRequest()}, hour, 59*time.Minute + 59*time.Second, true, hour},
		{"never", session.Options{Renew: session.RenewNever()}, hour, time.Minute, false, 0},
		{"idle timeout is the lifetime: 6 of 10 minutes gone", session.Options{IdleTimeout: 10 * time.Minute}, hour, 4 * time.Minute, true, 10 * time.Minute},
		{"idle timeout is the lifetime: 4 of 10 minutes gone", session.Options{IdleTimeout: 10 * time.Minute}, hour, 6 * time.Minute, false, 0},
		{"browser-session cookie: DefaultStoreTTL", session.Options{}, 0, 11 * hour, true, session.DefaultStoreTTL},
		{"browser-session cookie, 1 hour of a day gone", session.Options{}, 0, 23 * hour, false, 0},
	}
	for _, tt := range tests {
		for _, rolling := range []bool{false, true} {
			name := tt.name
			if rolling {
				name += ", rolling"
			}
			t.Run(name, func(t *testing.T) {
				st := &touchLog{Store: newMemStore(t)}
				o := tt.opts
				o.Store, o.Rolling = st, rolling
				o.Cookie.MaxAge = tt.maxAge
				m, _, _ := newManager(t, o)
				cookie := storedSession(t, st, tt.maxAge, time.Now().Add(tt.remaining))
				before := time.Now()
				res := serve(m.Handler(reader), "GET", "/", cookie)
				after := time.Now()
				if got := body(t, res); got != "1" {
					t.Fatalf("body %q, want the stored count 1", got)
				}
				touches := st.take()
				if tt.renew != (len(touches) == 1) || len(touches) > 1 {
					t.Fatalf("touches %v, want renewal=%v", touches, tt.renew)
				}
				if tt.renew && (touches[0].Before(before.Add(tt.lifetime)) || touches[0].After(after.Add(tt.lifetime))) {
					t.Errorf("renewed to %v, want now + %v", touches[0].Sub(before), tt.lifetime)
				}
				if got := sessionCookie(t, res); (got != "") != (rolling && tt.renew) {
					t.Errorf("Set-Cookie %q, want one only with Rolling on a renewal", got)
				}
				_, exp, err := st.Get(context.Background(), "a-stored-session-for-renewal-tests-000")
				if err != nil {
					t.Fatal(err)
				}
				if !tt.renew && exp.Sub(before) > tt.remaining {
					t.Errorf("expiry moved to now + %v without a renewal", exp.Sub(before))
				}
			})
		}
	}
}

// Session.Touch renews whatever Options.Renew says, as express-session's
// touch; a write renews through the write itself (no Touch after it).
func TestTouchAndWritesRenew(t *testing.T) {
	st := &touchLog{Store: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: st, Rolling: true, Cookie: session.CookieOptions{MaxAge: time.Hour}})
	cookie := storedSession(t, st, time.Hour, time.Now().Add(59*time.Minute))
	toucher := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { session.From(r).Touch() })
	res := serve(m.Handler(toucher), "GET", "/", cookie)
	if n := len(st.take()); n != 1 || sessionCookie(t, res) == "" {
		t.Fatalf("Touch: %d store touches, Set-Cookie %q; want 1 and a cookie", n, sessionCookie(t, res))
	}
	res = serve(m.Handler(counter), "GET", "/", cookie)
	if n := len(st.take()); n != 0 || body(t, res) != "2" || sessionCookie(t, res) == "" {
		t.Fatalf("a write: %d touches, body %q, Set-Cookie %q; want 0, 2 and a cookie", n, body(t, res), sessionCookie(t, res))
	}
}

// Near the absolute timeout the store expiry is the end already: nothing
// to renew, and a session past it is gone whatever Options.Renew says.
func TestRenewalKeepsAbsoluteTimeout(t *testing.T) {
	st := &touchLog{Store: newMemStore(t)}
	m, _, _ := newManager(t, session.Options{Store: st, AbsoluteTimeout: 2 * time.Hour, Cookie: session.CookieOptions{MaxAge: time.Hour}})
	counterCookie := sessionCookie(t, serve(m.Handler(counter), "GET", "/", ""))
	if n := len(st.take()); n != 0 {
		t.Fatalf("a new session was touched %d times", n)
	}
	res := serve(m.Handler(reader), "GET", "/", counterCookie)
	if body(t, res) != "1" || len(st.take()) != 0 {
		t.Fatalf("a fresh session read: body %q or touched", body(t, res))
	}
}

func TestRenewValidation(t *testing.T) {
	for _, f := range []float64{0, 1, 1.5, -0.5, -3, math.NaN(), math.Inf(1)} {
		_, err := session.New(session.Options{Secrets: []string{testSecret}, Store: newMemStore(t), Renew: session.RenewAfter(f)})
		if !errors.Is(err, session.ErrInvalidOption) {
			t.Errorf("RenewAfter(%v): %v, want ErrInvalidOption", f, err)
		}
	}
	for _, r := range []session.Renewal{{}, session.RenewAfter(0.01), session.RenewAfter(0.5), session.RenewAfter(0.99), session.RenewEveryRequest(), session.RenewNever()} {
		if _, err := session.New(session.Options{Secrets: []string{testSecret}, Store: newMemStore(t), Renew: r}); err != nil {
			t.Errorf("%v: %v", r, err)
		}
	}
}

func TestRenewalString(t *testing.T) {
	for _, tc := range []struct {
		r    session.Renewal
		want string
	}{
		{session.Renewal{}, "RenewAfter(0.5)"},
		{session.RenewAfter(0.25), "RenewAfter(0.25)"},
		{session.RenewEveryRequest(), "RenewEveryRequest"},
		{session.RenewNever(), "RenewNever"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
