package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// flashBrowser is a browser (a cookie jar) on a server whose handler runs,
// for each request, the step the test gives it.
type flashBrowser struct {
	srv    *httptest.Server
	client *http.Client
	mu     sync.Mutex
	step   func(s *session.Session)
}

func newFlashBrowser(t *testing.T, mw interface {
	Handler(http.Handler) http.Handler
}) *flashBrowser {
	t.Helper()
	b := &flashBrowser{}
	b.srv = httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		step := b.step
		b.mu.Unlock()
		step(session.From(r))
	})))
	t.Cleanup(b.srv.Close)
	jar, _ := cookiejar.New(nil)
	b.client = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	return b
}

// do runs step in one request and returns the response's session cookie
// header, if any.
func (b *flashBrowser) do(t *testing.T, step func(s *session.Session)) []string {
	t.Helper()
	b.mu.Lock()
	b.step = step
	b.mu.Unlock()
	res, err := b.client.Get(b.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %s", res.Status)
	}
	return res.Header.Values("Set-Cookie")
}

// storedFlash returns the stored record's "flash" value as raw JSON, ""
// when the record has none.
func storedFlash(t *testing.T, store *memstore.Store, id string) string {
	t.Helper()
	raw, _, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("store.Get(%s): %v", id, err)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("record %s: %v", raw, err)
	}
	return string(rec[session.FlashKey])
}

func TestFlashReadOnce(t *testing.T) {
	m, store, logs := newManager(t, session.Options{})
	b := newFlashBrowser(t, m)
	var id string
	b.do(t, func(s *session.Session) {
		for _, kv := range [][2]string{{"info", "a"}, {"error", "e"}, {"info", "b <b>&"}} {
			if err := s.Flash(kv[0], kv[1]); err != nil {
				t.Errorf("Flash(%q, %q): %v", kv[0], kv[1], err)
			}
		}
		id = s.ID()
	})
	// connect-flash's shape, kinds in the order first flashed, messages in
	// the order added, < > & unescaped as JSON.stringify writes them.
	if got, want := storedFlash(t, store, id), `{"info":["a","b <b>&"],"error":["e"]}`; got != want {
		t.Fatalf("stored flash %s, want %s", got, want)
	}
	b.do(t, func(s *session.Session) {
		if got, want := s.Flashes("info"), []string{"a", "b <b>&"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Flashes(info) = %q, want %q", got, want)
		}
		if got := s.Flashes("info"); got != nil {
			t.Errorf("Flashes(info) again in the same request = %q, want nil", got)
		}
	})
	if got, want := storedFlash(t, store, id), `{"error":["e"]}`; got != want {
		t.Fatalf("stored flash after reading info: %s, want %s", got, want)
	}
	b.do(t, func(s *session.Session) {
		if got, want := s.AllFlashes(), map[string][]string{"error": {"e"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("AllFlashes() = %q, want %q", got, want)
		}
	})
	if got := storedFlash(t, store, id); got != "" {
		t.Fatalf("stored flash after AllFlashes: %s, want no flash key", got)
	}
	b.do(t, func(s *session.Session) {
		if got := s.Flashes("error"); got != nil {
			t.Errorf("Flashes(error) after AllFlashes = %q", got)
		}
		if got := s.AllFlashes(); got != nil {
			t.Errorf("AllFlashes() after AllFlashes = %q", got)
		}
		if s.ID() != id {
			t.Errorf("session ID changed: %s, was %s", s.ID(), id)
		}
	})
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs)
	}
}

// Reading flashes where there are none changes nothing: no cookie for a
// new visitor, no write for a session whose "flash" is an empty object
// (connect-flash leaves one after reading).
func TestFlashReadNothingWritesNothing(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	b := newFlashBrowser(t, m)
	if cookies := b.do(t, func(s *session.Session) {
		if s.Flashes("info") != nil || s.AllFlashes() != nil {
			t.Error("flashes on a new session")
		}
	}); len(cookies) != 0 {
		t.Fatalf("reading no flashes set cookies %q: the session was saved", cookies)
	}
	var id string
	b.do(t, func(s *session.Session) {
		id = s.ID()
		if err := s.Set(session.FlashKey, json.RawMessage(`{}`)); err != nil {
			t.Error(err)
		}
	})
	before, _, _ := store.Get(context.Background(), id)
	b.do(t, func(s *session.Session) {
		if s.Flashes("info") != nil || s.AllFlashes() != nil {
			t.Error("flashes in an empty flash object")
		}
	})
	after, _, _ := store.Get(context.Background(), id)
	if string(before) != string(after) {
		t.Fatalf("reading an empty flash object rewrote the record:\n%s\n%s", before, after)
	}
	b.do(t, func(s *session.Session) {
		if err := s.Flash("info", "x"); err != nil {
			t.Error(err)
		}
	})
	if got, want := storedFlash(t, store, id), `{"info":["x"]}`; got != want {
		t.Fatalf("stored flash %s, want %s", got, want)
	}
}

// What connect-flash may store besides strings is read without failing:
// req.flash(type, obj) stores obj as it is; a null kind is empty, as
// req.flash(type) answers [] for it.
func TestFlashNodeShapes(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	b := newFlashBrowser(t, m)
	var id string
	b.do(t, func(s *session.Session) {
		id = s.ID()
		err := s.Set(session.FlashKey, json.RawMessage(
			`{"info":["a",{"o":[1,"x"]},3,null,true,"é\n"],"warn":null,"note":"single","in\u0066o2":["escaped"]}`))
		if err != nil {
			t.Error(err)
		}
	})
	b.do(t, func(s *session.Session) {
		if got, want := s.Flashes("info"), []string{"a", `{"o":[1,"x"]}`, "3", "null", "true", "é\n"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Flashes(info) = %q, want %q", got, want)
		}
		if got := s.Flashes("warn"); got != nil {
			t.Errorf("Flashes(warn) of null = %q, want nil", got)
		}
		if got, want := s.Flashes("info2"), []string{"escaped"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Flashes(info2) = %q, want %q", got, want)
		}
	})
	if got, want := storedFlash(t, store, id), `{"note":"single"}`; got != want {
		t.Fatalf("stored flash %s, want %s", got, want)
	}
	b.do(t, func(s *session.Session) {
		if got, want := s.AllFlashes(), map[string][]string{"note": {"single"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("AllFlashes() = %q, want %q", got, want)
		}
	})
	if got := storedFlash(t, store, id); got != "" {
		t.Fatalf("stored flash after AllFlashes: %s", got)
	}
}

func TestFlashErrors(t *testing.T) {
	m, store, _ := newManager(t, session.Options{})
	b := newFlashBrowser(t, m)
	var id string
	b.do(t, func(s *session.Session) {
		id = s.ID()
		for _, kv := range [][2]string{{"", "x"}, {"info", ""}} {
			if err := s.Flash(kv[0], kv[1]); !errors.Is(err, session.ErrInvalidFlash) {
				t.Errorf("Flash(%q, %q) = %v, want ErrInvalidFlash", kv[0], kv[1], err)
			}
		}
		if s.Has(session.FlashKey) {
			t.Error("a refused Flash stored something")
		}
		_ = s.Set(session.FlashKey, "not flashes")
		if err := s.Flash("info", "x"); !errors.Is(err, session.ErrInvalidFlash) {
			t.Errorf("Flash on a string flash key = %v, want ErrInvalidFlash", err)
		}
		if s.Flashes("info") != nil || s.AllFlashes() != nil {
			t.Error("flashes read from a string")
		}
		if v, _ := session.Get[string](s, session.FlashKey); v != "not flashes" {
			t.Errorf("flash key changed to %q", v)
		}
		_ = s.Set(session.FlashKey, json.RawMessage(`{"info":"str"}`))
		if err := s.Flash("info", "x"); !errors.Is(err, session.ErrInvalidFlash) {
			t.Errorf("Flash on a string kind = %v, want ErrInvalidFlash", err)
		}
		if err := s.Flash("other", "y"); err != nil {
			t.Errorf("Flash beside a string kind: %v", err)
		}
	})
	if got, want := storedFlash(t, store, id), `{"info":"str","other":["y"]}`; got != want {
		t.Fatalf("stored flash %s, want %s", got, want)
	}
	b.do(t, func(s *session.Session) {
		_ = s.Set(session.FlashKey, nil) // null: connect-flash's `|| {}` replaces it
		if err := s.Flash("info", "x"); err != nil {
			t.Errorf("Flash on a null flash key: %v", err)
		}
		if err := s.Destroy(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.Flash("info", "x"); !errors.Is(err, session.ErrDestroyed) {
			t.Errorf("Flash after Destroy = %v, want ErrDestroyed", err)
		}
		if s.Flashes("info") != nil || s.AllFlashes() != nil {
			t.Error("flashes after Destroy")
		}
	})
	var nilSession *session.Session
	if err := nilSession.Flash("info", "x"); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("nil Flash = %v, want ErrNoSession", err)
	}
	if nilSession.Flashes("info") != nil || nilSession.AllFlashes() != nil {
		t.Error("flashes on a nil session")
	}
}

// Sealed sessions keep flashes in the cookie, read once the same way; one
// that would not fit is refused and the session keeps what it had.
func TestFlashSealed(t *testing.T) {
	sm := newSealedManager(t)
	b := newFlashBrowser(t, sm)
	b.do(t, func(s *session.Session) {
		for _, m := range []string{"one", "two"} {
			if err := s.Flash("info", m); err != nil {
				t.Error(err)
			}
		}
		if err := s.Flash("info", strings.Repeat("x", 4096)); !errors.Is(err, session.ErrCookieTooLarge) {
			t.Errorf("Flash of 4 KiB on a sealed session = %v, want ErrCookieTooLarge", err)
		}
		if raw, _ := s.Raw(session.FlashKey); string(raw) != `{"info":["one","two"]}` {
			t.Errorf("flash after a refused Flash: %s", raw)
		}
	})
	b.do(t, func(s *session.Session) {
		if got, want := s.Flashes("info"), []string{"one", "two"}; !reflect.DeepEqual(got, want) {
			t.Errorf("sealed Flashes(info) = %q, want %q", got, want)
		}
	})
	b.do(t, func(s *session.Session) {
		if got := s.Flashes("info"); got != nil {
			t.Errorf("sealed Flashes(info) on the next request = %q, want nil", got)
		}
		if s.Has(session.FlashKey) {
			t.Error("sealed session kept its flash key")
		}
	})
}
