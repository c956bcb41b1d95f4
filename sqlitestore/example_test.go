package sqlitestore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sqlitestore"
)

// Sessions in a SQLite file: they survive a restart of the process. The
// second request carries the cookie of the first and finds its count.
func Example() {
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	store, err := sqlitestore.Open(filepath.Join(dir, "sessions.db"), sqlitestore.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
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
		visits, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "visits: %d", visits)
	}))

	// The first request has no cookie: the session is created, stored in
	// the file, and its cookie sent.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body)

	// The second request sends the cookie back.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body)

	// Output:
	// visits: 1
	// visits: 2
}
