// Command bare serves the visit tracker's pages without sessions (the
// count is always 1, the signed-in user always alice): the end-to-end
// benchmark's baseline.
package main

import (
	"net/http"

	"github.com/sessionkit/session/bench/peers/internal/page"
)

func main() {
	page.Serve(func(render page.Render) page.Routes {
		return page.Routes{
			Index: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { render.Visits(w, 1) }),
			Login: http.HandlerFunc(page.SignedIn), // nothing to keep
			Me:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { render.SignedIn(w, "alice") }),
		}
	})
}
