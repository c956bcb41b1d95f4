// Package page serves the visit tracker's page for the Go peers of the
// end-to-end benchmark: the very views cmd/visits renders.
package page

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/sessionkit/session/cmd/visits/web"
)

// Render writes the tracker's page for n visits.
type Render func(w http.ResponseWriter, n int)

// Serve parses the views, builds the handler with them and serves it on
// -addr until the process ends. It exits on an error.
func Serve(handler func(render Render) http.Handler) {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	pages, err := web.Parse()
	if err != nil {
		log.Fatal(err)
	}
	render := func(w http.ResponseWriter, n int) {
		_ = pages.Render(w, web.Page{Title: "Visit Tracker", Message: web.VisitsMessage(int64(n))})
	}
	srv := &http.Server{Addr: *addr, Handler: handler(render), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
