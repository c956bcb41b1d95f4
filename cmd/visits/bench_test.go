package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// BenchmarkIndex is one GET / of the tracker on the memory store, as a
// returning visitor and as a new one; "render" is the page alone, without
// sessions, for comparison.
func BenchmarkIndex(b *testing.B) {
	quiet := slog.New(slog.DiscardHandler)
	a, err := newApp(quiet)
	if err != nil {
		b.Fatal(err)
	}
	st := memstore.New(memstore.Options{Logger: quiet})
	defer st.Close()
	m, err := session.New(session.Options{Secrets: []string{"a benchmark secret of 32+ bytes...."}, Store: st, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	h := a.routes(m)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	cookie := w.Result().Header.Get("Set-Cookie")

	b.Run("returning", func(b *testing.B) {
		b.ReportAllocs()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", cookie)
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		r := httptest.NewRequest("GET", "/", nil)
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
		}
	})
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.render(httptest.NewRecorder(), http.StatusOK, "index", page{Title: "Visit Tracker", Message: "You have visited this page 2 times."})
		}
	})
}
