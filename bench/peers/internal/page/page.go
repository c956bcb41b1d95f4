// Package page serves the visit tracker's pages for the Go peers of the
// end-to-end benchmark: the very views cmd/visits renders.
package page

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/sessionkit/session/cmd/visits/web"
)

// Render writes the tracker's pages.
type Render struct {
	pages *web.Pages
}

// Visits writes GET /: the page for n visits.
func (r Render) Visits(w http.ResponseWriter, n int) {
	_ = r.pages.Render(w, web.Page{Title: "Visit Tracker", Message: web.VisitsMessage(int64(n))})
}

// SignedIn writes GET /me: the page of a visitor signed in as user, as
// cmd/visits renders it.
func (r Render) SignedIn(w http.ResponseWriter, user string) {
	_ = r.pages.Render(w, web.Page{Title: "Visit Tracker", Message: web.SignedInMessage(user), User: user})
}

// Routes are a peer's handlers.
type Routes struct {
	Index http.Handler // GET / (and any other path): count the visit, render it
	Login http.Handler // POST /login: sign the visitor in (form field user), 303 to /
	Me    http.Handler // GET /me: read the user, render the signed-in page; else 303 to /login
}

// Serve parses the views, builds the routes with them and serves them on
// -addr until the process ends. It exits on an error.
func Serve(routes func(render Render) Routes) {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	pages, err := web.Parse()
	if err != nil {
		log.Fatal(err)
	}
	rs := routes(Render{pages})
	mux := http.NewServeMux()
	mux.Handle("/", rs.Index)
	mux.Handle("POST /login", rs.Login)
	mux.Handle("GET /me", rs.Me)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// SignedOut answers /me for a visitor nobody is signed in to.
func SignedOut(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// SignedIn answers POST /login once the visitor is signed in.
func SignedIn(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
