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
	page.Serve(func(render page.Render) page.Routes {
		return page.Routes{
			Index: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session") // a bad cookie gives a new session
				n, _ := s.Values["visits"].(int)
				n++
				s.Values["visits"] = n
				if err := s.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				render.Visits(w, n)
			}),
			// gorilla has no sign-in of its own: the user goes into the
			// sealed cookie (a new cookie, so nothing to fixate).
			Login: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session")
				s.Values["user"] = r.PostFormValue("user")
				if err := s.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				page.SignedIn(w, r)
			}),
			Me: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session")
				user, _ := s.Values["user"].(string)
				if user == "" {
					page.SignedOut(w, r)
					return
				}
				render.SignedIn(w, user)
			}),
		}
	})
}
