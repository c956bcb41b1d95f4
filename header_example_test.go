package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// Sessions for API and mobile clients without cookies: the token comes
// back in X-Session-Token, and the client sends it with every call, as
//
//	curl -i https://api.example.com/visits                       # X-Session-Token: s:…
//	curl -H 'X-Session-Token: s:…' https://api.example.com/visits
func ExampleOptions_header() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
		Header:  "X-Session-Token",
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/visits", func(w http.ResponseWriter, r *http.Request) {
		visits, _ := session.Get[int](session.From(r), "visits")
		if err := session.From(r).Set("visits", visits+1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visits: %d", visits+1)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	token := "" // what the app keeps between calls; there is no cookie jar
	call := func(path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("X-Session-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got := "no token"
		if v, ok := res.Header["X-Session-Token"]; ok {
			token = v[0] // "" when the session was destroyed: forget it
			got = "token cleared"
			if strings.HasPrefix(token, "s:") {
				got = "new token s:…"
			}
			got += ", Cache-Control: " + res.Header.Get("Cache-Control")
		}
		fmt.Printf("%-8s %-12q %s\n", path, b, got)
	}
	call("/visits")
	call("/visits")
	call("/visits")
	call("/logout")
	call("/visits")
	// Output:
	// /visits  "visits: 1"  new token s:…, Cache-Control: no-store
	// /visits  "visits: 2"  no token
	// /visits  "visits: 3"  no token
	// /logout  ""           token cleared, Cache-Control: no-store
	// /visits  "visits: 1"  new token s:…, Cache-Control: no-store
}
