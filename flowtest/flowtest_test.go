package flowtest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/flowtest"
)

// The flow on net/http alone: the baseline every adapter must match.
func TestNetHTTP(t *testing.T) {
	flowtest.Run(t, func(m flowtest.Manager, rt *flowtest.Routes) http.Handler {
		mux := http.NewServeMux()
		reply := func(f func(*flowtest.Routes, context.Context, *session.Session) (int, string)) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				code, body := f(rt, r.Context(), session.From(r))
				w.WriteHeader(code)
				_, _ = w.Write([]byte(body))
			}
		}
		mux.Handle("GET /count", reply((*flowtest.Routes).Count))
		mux.Handle("POST /signin", reply((*flowtest.Routes).SignIn))
		mux.Handle("GET /user", reply((*flowtest.Routes).User))
		mux.Handle("POST /destroy", reply((*flowtest.Routes).Destroy))
		mux.Handle("GET /late", reply((*flowtest.Routes).Late))
		mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
			rt.Stream(r.Context(), session.From(r), w, func() { _ = http.NewResponseController(w).Flush() })
		})
		return m.Handler(mux)
	})
}
