package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// A message set before a redirect is shown once, on the next page, as
// connect-flash's req.flash does.
func ExampleSession_Flash() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /save", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Flash("info", "Saved."); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		msgs := session.From(r).Flashes("info") // read once, then gone
		fmt.Fprintf(w, "page, messages %q", msgs)
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	show := func(res *http.Response, err error) {
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(b))
	}
	show(client.Post(srv.URL+"/save", "text/plain", strings.NewReader(""))) // follows the redirect
	show(client.Get(srv.URL + "/"))                                         // reloaded
	// Output:
	// page, messages ["Saved."]
	// page, messages []
}
