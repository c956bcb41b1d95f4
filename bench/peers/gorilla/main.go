// Command gorilla serves the visit tracker with gorilla/sessions'
// encrypted CookieStore, a peer in the end-to-end benchmark.
package main

import (
	"crypto/rand"
	"net/http"

	"github.com/gorilla/sessions"

	"github.com/sessionkit/session/bench/peers/internal/page"
)

func main() {
	hashKey, blockKey := make([]byte, 32), make([]byte, 32)
	rand.Read(hashKey)
	rand.Read(blockKey)
	store := sessions.NewCookieStore(hashKey, blockKey) // signed and encrypted (AES-256)
	page.Serve(func(render page.Render) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := store.Get(r, "session") // a bad cookie gives a new session
			n, _ := s.Values["visits"].(int)
			n++
			s.Values["visits"] = n
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			render(w, n)
		})
	})
}
