package session_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// plainStore hides the memory store's Patcher: a store that can only Set.
type plainStore struct{ s session.Store }

func (p plainStore) Get(c context.Context, id string) ([]byte, time.Time, error) {
	return p.s.Get(c, id)
}
func (p plainStore) Set(c context.Context, id string, b []byte, e time.Time) error {
	return p.s.Set(c, id, b, e)
}
func (p plainStore) Destroy(c context.Context, id string) error { return p.s.Destroy(c, id) }

func TestIncrement(t *testing.T) {
	for _, patching := range []bool{true, false} {
		t.Run("patcher="+strconv.FormatBool(patching), func(t *testing.T) {
			var store session.Store = newMemStore(t)
			if !patching {
				store = plainStore{store}
			}
			m, _, _ := newManager(t, session.Options{Store: store})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				if r.URL.Query().Has("bad") {
					s.Set("visits", "many")
					_, err := s.Increment(r.Context(), "visits", 1)
					if !errors.Is(err, session.ErrNotInteger) {
						t.Errorf("Increment of a string: %v, want ErrNotInteger", err)
					}
					return
				}
				n, err := s.Increment(r.Context(), "visits", 2)
				if err != nil {
					t.Error(err)
				}
				w.Write([]byte(strconv.FormatInt(n, 10)))
			}))
			cookie := sessionCookie(t, serve(h, "GET", "/", ""))
			if cookie == "" {
				t.Fatal("Increment on a new session sent no cookie")
			}
			if got := body(t, serve(h, "GET", "/", cookie)); got != "4" {
				t.Fatalf("second increment: %q, want 4", got)
			}
			serve(h, "GET", "/?bad", cookie)
		})
	}
}

// Without a Patcher, parallel increments can overwrite each other; with
// one they all count. This documents the difference the docs describe.
func TestParallelIncrementsNeedPatcher(t *testing.T) {
	m, _, _ := newManager(t, session.Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write([]byte(strconv.FormatInt(n, 10)))
	}))
	cookie := sessionCookie(t, serve(h, "GET", "/", ""))
	var wg sync.WaitGroup
	seen := make([]string, 100)
	for i := range 99 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen[i] = body(t, serve(h, "GET", "/", cookie))
		}()
	}
	wg.Wait()
	if got := body(t, serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := session.Get[int](session.From(r), "visits")
		w.Write([]byte(strconv.Itoa(n)))
	})), "GET", "/", cookie)); got != "100" {
		t.Fatalf("100 parallel visits counted %s", got)
	}
	distinct := map[string]bool{}
	for _, s := range seen[:99] {
		distinct[s] = true
	}
	if len(distinct) != 99 || strings.Contains(strings.Join(seen, ","), ",1,") {
		t.Fatalf("each visit must see its own count: %d distinct of 99", len(distinct))
	}
}
