package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/cmd/visits/web"
)

// app is the visit tracker: its pages, wrapped in the session middleware,
// and its static assets, which are served without a session.
type app struct {
	pages *web.Pages
	log   *slog.Logger
}

// page is what every view renders.
type page = web.Page

func newApp(log *slog.Logger) (*app, error) {
	pages, err := web.Parse()
	if err != nil {
		return nil, err
	}
	return &app{pages: pages, log: log}, nil
}

// routes returns the app's handler with sessions from m.
func (a *app) routes(m middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", m.Handler(http.HandlerFunc(a.index)))
	mux.Handle("POST /reset", m.Handler(http.HandlerFunc(a.reset)))
	mux.Handle("POST /login", m.Handler(http.HandlerFunc(a.login)))
	mux.Handle("POST /logout", m.Handler(http.HandlerFunc(a.reset)))
	mux.Handle("GET /", http.FileServerFS(web.Public()))
	return mux
}

// index counts the visit and renders the count.
func (a *app) index(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	// Increment is atomic on stores that patch: parallel visits all count.
	visits, err := s.Increment(r.Context(), "visits", 1)
	if err != nil {
		a.fail(w, "count visit", err)
		return
	}
	user, _ := session.Get[string](s, "user")
	a.render(w, page{
		Title:   "Visit Tracker",
		Message: fmt.Sprintf("You have visited this page %d times.", visits),
		User:    user,
	})
}

// login signs the visitor in. The session gets a new ID first, keeping
// its visits, so an ID someone planted before login is useless after it.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	user := strings.TrimSpace(r.PostFormValue("user"))
	if user == "" || len(user) > 64 {
		http.Error(w, "a name of 1 to 64 characters is required", http.StatusBadRequest)
		return
	}
	s := session.From(r)
	if err := s.Regenerate(r.Context(), true); err != nil {
		a.fail(w, "regenerate session", err)
		return
	}
	if err := s.Set("user", user); err != nil {
		a.fail(w, "sign in", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// reset destroys the session (sign-out and "forget me" alike).
func (a *app) reset(w http.ResponseWriter, r *http.Request) {
	if err := session.From(r).Destroy(r.Context()); err != nil {
		a.fail(w, "destroy session", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) render(w http.ResponseWriter, p page) {
	if err := a.pages.Render(w, p); err != nil {
		a.fail(w, "render", err)
	}
}

func (a *app) fail(w http.ResponseWriter, op string, err error) {
	a.log.Error("visits: "+op, "err", err)
	code := http.StatusInternalServerError
	if errorsIsStore(err) {
		code = http.StatusServiceUnavailable
	}
	http.Error(w, http.StatusText(code), code)
}
