package session_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// The visit counter of the express-session lesson.
func Example() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		visits, _ := session.Get[int](s, "visits")
		if err := s.Set("visits", visits+1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "You have visited this page %d times.", visits+1)
	})))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for range 3 {
		res, err := client.Get(srv.URL)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(b))
	}
	// Output:
	// You have visited this page 1 times.
	// You have visited this page 2 times.
	// You have visited this page 3 times.
}

func ExampleGet() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, _ := session.New(session.Options{Secrets: []string{"a-long-random-secret-from-the-environment"}, Store: store})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set("cart", []string{"apple", "pear"})
		cart, ok := session.Get[[]string](s, "cart")
		fmt.Println(cart, ok)
		_, ok = session.Get[int](s, "cart") // wrong type
		fmt.Println(ok)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// [apple pear] true
	// false
}

// Regenerate when privileges change, so an ID planted before is useless
// after it; KeepData keeps the data (sign-ins use SignIn, which does this).
func ExampleSession_Regenerate() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{Secrets: []string{"a-long-random-secret-from-the-environment"}, Store: store})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if r.URL.Path == "/elevate" {
			old := s.ID()
			if err := s.Regenerate(r.Context(), session.KeepData()); err != nil {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			_, _, err := store.Get(r.Context(), old)
			fmt.Println("new ID:", s.ID() != old, "old record gone:", errors.Is(err, session.ErrNotFound))
		}
		n, _ := s.Increment(r.Context(), "visits", 1)
		fmt.Println("visits:", n)
	})))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for _, path := range []string{"/", "/elevate", "/"} {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	// Output:
	// visits: 1
	// new ID: true old record gone: true
	// visits: 2
	// visits: 3
}

// The cookie value express-session sends for ID "abc" under secret
// "keyboard cat", before percent-encoding.
func ExampleSign() {
	fmt.Println("s:" + session.Sign("abc", "keyboard cat"))
	id, err := session.Unsign("abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", "new secret", "keyboard cat")
	fmt.Println(id, err)
	// Output:
	// s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU
	// abc <nil>
}
