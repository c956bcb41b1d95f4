// Command bare serves the visit tracker's page without sessions (the count
// is always 1): the end-to-end benchmark's baseline.
package main

import (
	"net/http"

	"github.com/sessionkit/session/bench/peers/internal/page"
)

func main() {
	page.Serve(func(render page.Render) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { render(w, 1) })
	})
}
