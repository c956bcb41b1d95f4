// Package web holds the visit tracker's views and static assets, embedded,
// and renders its pages. It is a package of its own so that the benchmark
// harness serves the very same page from the peers it compares.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
)

//go:embed views public
var assets embed.FS

// The views Pages renders: each is the layout around its own content.
const (
	ViewIndex   = "index"   // the visit count and the sign-in form
	ViewLogin   = "login"   // the sign-in form alone, with an error if any
	ViewAccount = "account" // the signed-in user's sessions
	ViewError   = "error"   // an error message and a way back
)

// Page is what every view renders. Each view uses the fields it needs.
type Page struct {
	Title   string
	Message string   // the index's heading: VisitsMessage, or SignedInMessage on /me
	User    string   // the signed-in user, "" for nobody
	Flashes []string // messages shown once ("Signed in as alice"), from Session.Flashes

	Error string // the error the login and error views show
	Name  string // the login view: the name to fill in again
	Next  string // the login view: where to go once signed in

	Sessions []Session // the account view: the user's sessions
	Note     string    // the account view: why there is no list
}

// Session is one of the user's sessions on the account view.
type Session struct {
	Handle   string // what the "Sign out" form posts
	Browser  string // "Firefox 128 on Linux"
	SignedIn Time
	LastSeen Time
	Current  bool // the session of the device looking at the page
}

// Time is a moment shown as text ("2 minutes ago") with its machine
// form (RFC 3339) for the <time> element.
type Time struct {
	Text, ISO string
}

// VisitsMessage is the index's heading for n visits: "You have visited
// this page 1 time.", "… 2 times."
func VisitsMessage(n int64) string {
	if n == 1 {
		return "You have visited this page 1 time."
	}
	return "You have visited this page " + strconv.FormatInt(n, 10) + " times."
}

// SignedInMessage is the heading of the signed-in page (GET /me) for
// user: "Signed in as alice."
func SignedInMessage(user string) string {
	return "Signed in as " + user + "."
}

// Pages renders the tracker's views. It is safe for concurrent use.
type Pages struct {
	views map[string]*template.Template
	bufs  sync.Pool
}

// Parse parses the embedded views. It returns an error only if a view does
// not parse, which the tests rule out.
func Parse() (*Pages, error) {
	ps := &Pages{views: map[string]*template.Template{}, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	for _, v := range []string{ViewIndex, ViewLogin, ViewAccount, ViewError} {
		t, err := template.ParseFS(assets, "views/layout.html", "views/partials/*.html", "views/"+v+".html")
		if err != nil {
			return nil, fmt.Errorf("parse views: %w", err)
		}
		ps.views[v] = t
	}
	return ps, nil
}

// Render writes p through the index view as a complete HTML response with
// status 200. See RenderView.
func (ps *Pages) Render(w http.ResponseWriter, p Page) error {
	return ps.RenderView(w, http.StatusOK, ViewIndex, p)
}

// RenderView writes p through the layout and view as a complete HTML
// response with status code. The page is rendered in full before anything
// is written, so a template error (returned) leaves w untouched for an
// error response. A failed write (the client has gone) is not reported:
// there is no one to tell.
func (ps *Pages) RenderView(w http.ResponseWriter, code int, view string, p Page) error {
	t, ok := ps.views[view]
	if !ok {
		return fmt.Errorf("render: no view %q", view)
	}
	b := ps.bufs.Get().(*bytes.Buffer)
	defer ps.bufs.Put(b)
	b.Reset()
	if err := t.ExecuteTemplate(b, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", view, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
	return nil
}

// Public returns the static assets (the stylesheet), rooted at public/.
func Public() fs.FS {
	sub, err := fs.Sub(assets, "public")
	if err != nil {
		panic(err) // "public" is embedded above
	}
	return sub
}
