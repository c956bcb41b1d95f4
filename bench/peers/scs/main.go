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
	page.Serve(func(render page.Render) http.Handler {
		return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := sm.GetInt(r.Context(), "visits") + 1
			sm.Put(r.Context(), "visits", n)
			render(w, n)
		}))
	})
}
