package flowtest_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/flowtest"
)

// reply adapts a flowtest route to a net/http handler.
func reply(f func(*flowtest.Routes, context.Context, *session.Session) (int, string), rt *flowtest.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, body := f(rt, r.Context(), session.From(r))
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func stream(rt *flowtest.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rt.Stream(r.Context(), session.From(r), w, func() { _ = http.NewResponseController(w).Flush() })
	}
}

func TestChi(t *testing.T) {
	flowtest.Run(t, func(m flowtest.Manager, rt *flowtest.Routes) http.Handler {
		r := chi.NewRouter()
		r.Use(m.Handler)
		r.Get("/count", reply((*flowtest.Routes).Count, rt))
		r.Post("/signin", reply((*flowtest.Routes).SignIn, rt))
		r.Get("/user", reply((*flowtest.Routes).User, rt))
		r.Post("/destroy", reply((*flowtest.Routes).Destroy, rt))
		r.Get("/late", reply((*flowtest.Routes).Late, rt))
		r.Get("/stream", stream(rt))
		return r
	})
}

func TestGorillaMux(t *testing.T) {
	flowtest.Run(t, func(m flowtest.Manager, rt *flowtest.Routes) http.Handler {
		r := mux.NewRouter()
		r.Use(m.Handler)
		r.HandleFunc("/count", reply((*flowtest.Routes).Count, rt)).Methods(http.MethodGet)
		r.HandleFunc("/signin", reply((*flowtest.Routes).SignIn, rt)).Methods(http.MethodPost)
		r.HandleFunc("/user", reply((*flowtest.Routes).User, rt)).Methods(http.MethodGet)
		r.HandleFunc("/destroy", reply((*flowtest.Routes).Destroy, rt)).Methods(http.MethodPost)
		r.HandleFunc("/late", reply((*flowtest.Routes).Late, rt)).Methods(http.MethodGet)
		r.HandleFunc("/stream", stream(rt)).Methods(http.MethodGet)
		return r
	})
}
