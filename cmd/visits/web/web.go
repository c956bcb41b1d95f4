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

// Page is what every view renders.
type Page struct {
	Title   string
	Message string
	User    string
}

// Pages renders the tracker's views: a layout, its partials and the index.
// It is safe for concurrent use.
type Pages struct {
	t    *template.Template
	bufs sync.Pool
}

// Parse parses the embedded views. It returns an error only if a view does
// not parse, which the tests rule out.
func Parse() (*Pages, error) {
	t, err := template.ParseFS(assets, "views/layout.html", "views/partials/*.html", "views/index.html")
	if err != nil {
		return nil, fmt.Errorf("parse views: %w", err)
	}
	return &Pages{t: t, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}, nil
}

// Render writes p through the layout as a complete HTML response with
// status 200. The page is rendered in full before anything is written, so
// a template error (returned) leaves w untouched for an error response. A
// failed write (the client has gone) is not reported: there is no one to
// tell.
func (ps *Pages) Render(w http.ResponseWriter, p Page) error {
	b := ps.bufs.Get().(*bytes.Buffer)
	defer ps.bufs.Put(b)
	b.Reset()
	if err := ps.t.ExecuteTemplate(b, "layout", p); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
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
