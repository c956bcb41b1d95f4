package memstore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

func ExampleNew() {
	store := memstore.New(memstore.Options{MaxSessions: 10_000})
	defer store.Close()

	m, err := session.New(session.Options{
		Secrets: []string{"use-a-long-random-secret-of-32-bytes-or-more"},
		Store:   store,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n, _ := session.Get[int](s, "visits")
		n++
		if err := s.Set("visits", n); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visits: %d", n)
	}))

	// The first request has no cookie: a session is created and stored,
	// and its cookie is sent.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body)

	// The second request sends the cookie back and finds the session.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body)
	fmt.Println("sessions stored:", store.Len())

	// Output:
	// visits: 1
	// visits: 2
	// sessions stored: 1
}
