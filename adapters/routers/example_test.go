package routers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// visits is the visit counter's handler, the same for every router.
func visits(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n, _ := session.Get[int](s, "visits")
	if err := s.Set("visits", n+1); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "You have visited this page %d times.", n+1)
}

// visit sends three requests with one cookie jar and prints the answers.
func visit(h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for range 3 {
		res, err := client.Get(srv.URL + "/")
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(b))
	}
}

func newManager() (*session.Manager, func()) {
	store := memstore.New(memstore.Options{})
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
	})
	if err != nil {
		panic(err)
	}
	return m, func() { store.Close() }
}

// chi takes the middleware as it is: r.Use(m.Handler).
func Example_chi() {
	m, done := newManager()
	defer done()
	r := chi.NewRouter()
	r.Use(m.Handler)
	r.Get("/", visits)
	visit(r)
	// Output:
	// You have visited this page 1 times.
	// You have visited this page 2 times.
	// You have visited this page 3 times.
}

// gorilla/mux takes the middleware as it is: r.Use(m.Handler).
func Example_gorillaMux() {
	m, done := newManager()
	defer done()
	r := mux.NewRouter()
	r.Use(m.Handler)
	r.HandleFunc("/", visits).Methods(http.MethodGet)
	visit(r)
	// Output:
	// You have visited this page 1 times.
	// You have visited this page 2 times.
	// You have visited this page 3 times.
}
