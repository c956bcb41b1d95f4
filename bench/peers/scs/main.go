// Command scs serves the visit tracker with alexedwards/scs and its
// memory store, a peer in the end-to-end benchmark.
package main

import (
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/sessionkit/session/bench/peers/internal/page"
)

func main() {
	sm := scs.New() // the default store: scs's memstore
	page.Serve(func(render page.Render) page.Routes {
		return page.Routes{
			Index: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := sm.GetInt(r.Context(), "visits") + 1
				sm.Put(r.Context(), "visits", n)
				render.Visits(w, n)
			})),
			// scs's sign-in: a new token (session fixation), then the user.
			Login: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := sm.RenewToken(r.Context()); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				sm.Put(r.Context(), "user", r.PostFormValue("user"))
				page.SignedIn(w, r)
			})),
			Me: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user := sm.GetString(r.Context(), "user")
				if user == "" {
					page.SignedOut(w, r)
					return
				}
				render.SignedIn(w, user)
			})),
		}
	})
}
