package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/cmd/visits/web"
)

// app is the visit tracker: its pages, wrapped in the session middleware,
// and its static assets, which are served without a session.
type app struct {
	pages    *web.Pages
	accounts *accounts
	log      *slog.Logger
	now      func() time.Time
}

// page is what every view renders.
type page = web.Page

const title = "Visit Tracker"

func newApp(log *slog.Logger) (*app, error) {
	pages, err := web.Parse()
	if err != nil {
		return nil, err
	}
	acc, err := newAccounts(demoUsers)
	if err != nil {
		return nil, err
	}
	return &app{pages: pages, accounts: acc, log: log, now: time.Now}, nil
}

// routes returns the app's handler with sessions from m. Every response
// carries the security headers, and every POST from another origin is
// refused before it reaches a session (see secure).
func (a *app) routes(m middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", m.Handler(http.HandlerFunc(a.index)))
	mux.Handle("POST /reset", m.Handler(http.HandlerFunc(a.reset)))
	mux.Handle("GET /login", m.Handler(http.HandlerFunc(a.loginPage)))
	mux.Handle("POST /login", m.Handler(http.HandlerFunc(a.login)))
	mux.Handle("POST /logout", m.Handler(http.HandlerFunc(a.logout)))
	mux.Handle("GET /account", m.Handler(http.HandlerFunc(a.account)))
	mux.Handle("GET /me", m.Handler(http.HandlerFunc(a.me)))
	mux.Handle("POST /account/sessions/end", m.Handler(http.HandlerFunc(a.endSession)))
	mux.Handle("POST /account/sessions/end-others", m.Handler(http.HandlerFunc(a.endOthers)))
	if w, ok := m.(interface{ API() middleware }); ok {
		mux.Handle("GET /api/visits", w.API().Handler(http.HandlerFunc(a.apiVisits)))
	}
	mux.Handle("GET /", http.FileServerFS(web.Public()))
	return a.secure(mux)
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
	user, _ := s.User()
	noStore(w)
	a.render(w, http.StatusOK, web.ViewIndex, page{Title: title, Message: web.VisitsMessage(visits), User: user, Flashes: s.Flashes(flashInfo)})
}

// me shows who is signed in, and writes nothing to the session: no
// count, no flash taken (the read-only page of a signed-in visitor, which
// the benchmarks load). Anyone else is sent to sign in.
func (a *app) me(w http.ResponseWriter, r *http.Request) {
	user, ok := session.From(r).User()
	if !ok {
		http.Redirect(w, r, "/login?next=/me", http.StatusSeeOther)
		return
	}
	noStore(w)
	a.render(w, http.StatusOK, web.ViewIndex, page{Title: title, Message: web.SignedInMessage(user), User: user})
}

// flashInfo is the kind of the tracker's flash messages (connect-flash's
// req.flash("info", ...)): set by one request, shown once by the next page
// (the index or the account page), then gone.
const flashInfo = "info"

// loginPage shows the sign-in form; a signed-in visitor goes home.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := session.From(r).User(); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	noStore(w)
	a.render(w, http.StatusOK, web.ViewLogin, page{Title: "Sign in · " + title, Next: nextPath(r.URL.Query().Get("next"))})
}

// nextPath is where a sign-in goes on to: one of the tracker's own pages,
// never a URL from the request (no open redirect).
func nextPath(next string) string {
	if next == "/account" || next == "/me" {
		return next
	}
	return ""
}

// login signs the visitor in with a name and a password. SignIn gives the
// session a new ID, keeping its visits, so an ID someone planted before
// the sign-in is useless after it. A wrong name or password changes
// nothing and gets 401.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	name, password := r.PostFormValue("user"), r.PostFormValue("password")
	next := nextPath(r.PostFormValue("next"))
	retry := page{Title: "Sign in · " + title, Name: name, Next: next}
	if len(name) > 64 || len(password) > 128 {
		name = ""
		retry.Name = ""
	}
	if name == "" || password == "" {
		retry.Error = "Enter a name and a password (a name of at most 64 characters, a password of at most 128)."
		noStore(w)
		a.render(w, http.StatusBadRequest, web.ViewLogin, retry)
		return
	}
	user, ok, err := a.accounts.check(r.Context(), name, password)
	if err != nil {
		return // the client has gone
	}
	if !ok {
		a.log.Info("visits: sign-in refused", "user", user)
		retry.Error = "Wrong name or password. Nothing has changed: try again."
		noStore(w)
		a.render(w, http.StatusUnauthorized, web.ViewLogin, retry)
		return
	}
	s := session.From(r)
	if err := s.SignIn(r.Context(), user, session.KeepData()); err != nil {
		a.fail(w, "sign in", err)
		return
	}
	// Shown once, by the page the redirect leads to; saved with the
	// redirect's response, before its headers go out.
	if err := s.Flash(flashInfo, "Signed in as "+user); err != nil {
		a.fail(w, "flash", err)
		return
	}
	http.Redirect(w, r, cmp.Or(next, "/"), http.StatusSeeOther)
}

// logout signs the user out: the session gets a new ID, keeping its
// visits, and the old one is no longer signed in. A visitor nobody is
// signed in to has nothing to sign out of.
func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if _, ok := s.User(); ok {
		if err := s.SignOut(r.Context(), session.KeepData()); err != nil {
			a.fail(w, "sign out", err)
			return
		}
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// reset destroys the session ("forget me").
func (a *app) reset(w http.ResponseWriter, r *http.Request) {
	if err := session.From(r).Destroy(r.Context()); err != nil {
		a.fail(w, "destroy session", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// account lists the signed-in user's sessions; anyone else is sent to
// sign in.
func (a *app) account(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	user, ok := s.User()
	if !ok {
		http.Redirect(w, r, "/login?next=/account", http.StatusSeeOther)
		return
	}
	p := page{Title: "Your sessions · " + title, User: user, Flashes: s.Flashes(flashInfo)}
	all, err := s.UserSessions(r.Context())
	switch {
	case errors.Is(err, session.ErrNoIndex):
		p.Note = "This server's session store cannot list your sessions (sealed cookie sessions have no server-side record)."
	case err != nil:
		a.fail(w, "list sessions", err)
		return
	}
	now := a.now()
	for _, us := range all {
		p.Sessions = append(p.Sessions, web.Session{
			Handle:   us.Handle,
			Browser:  browserName(us.UserAgent),
			SignedIn: relTime(us.SignedIn, now),
			LastSeen: relTime(us.LastSeen, now),
			Current:  us.Current,
		})
	}
	noStore(w)
	a.render(w, http.StatusOK, web.ViewAccount, p)
}

// endSession signs out one of the user's other sessions, named by its
// Handle.
func (a *app) endSession(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if _, ok := s.User(); !ok {
		http.Redirect(w, r, "/login?next=/account", http.StatusSeeOther)
		return
	}
	handle := r.PostFormValue("handle")
	if handle == "" {
		a.errorPage(w, http.StatusBadRequest, "No session named", "The form named no session to sign out.")
		return
	}
	switch err := s.EndUserSession(r.Context(), handle); {
	case errors.Is(err, session.ErrNotFound):
		a.errorPage(w, http.StatusNotFound, "Session not found",
			"That session has already ended, or is not yours.")
		return
	case errors.Is(err, session.ErrNoIndex):
		a.errorPage(w, http.StatusNotImplemented, "Not available", "This server's session store cannot end other sessions.")
		return
	case err != nil:
		a.fail(w, "end session", err)
		return
	}
	if _, ok := s.User(); !ok { // it was this one
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// endOthers signs out every session of the user but this one.
func (a *app) endOthers(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if _, ok := s.User(); !ok {
		http.Redirect(w, r, "/login?next=/account", http.StatusSeeOther)
		return
	}
	n, err := s.EndOtherSessions(r.Context())
	switch {
	case errors.Is(err, session.ErrNoIndex):
		a.errorPage(w, http.StatusNotImplemented, "Not available", "This server's session store cannot end other sessions.")
		return
	case err != nil:
		a.fail(w, "end other sessions", err)
		return
	}
	a.log.Info("visits: signed out everywhere else", "ended", n)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *app) render(w http.ResponseWriter, code int, view string, p page) {
	if err := a.pages.RenderView(w, code, view, p); err != nil {
		a.fail(w, "render", err)
	}
}

// errorPage renders the error view with code.
func (a *app) errorPage(w http.ResponseWriter, code int, heading, msg string) {
	noStore(w)
	if err := a.pages.RenderView(w, code, web.ViewError, page{Title: heading, Error: msg}); err != nil {
		a.log.Error("visits: render error page", "err", err)
		http.Error(w, msg, code)
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

// apiVisits is the count for API clients: JSON, the session in the
// X-Session-Token header (sent back when new), no cookie.
func (a *app) apiVisits(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	visits, err := s.Increment(r.Context(), "visits", 1)
	if err != nil {
		a.fail(w, "count visit", err)
		return
	}
	user, _ := s.User()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(struct {
		Visits int64  `json:"visits"`
		User   string `json:"user,omitempty"`
	}{visits, user})
}
