package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves the runtime profiles (net/http/pprof) on addr, apart
// from the app, for profiling it under load (`go tool pprof
// http://ADDR/debug/pprof/profile?seconds=10`). Give a loopback address:
// profiles show the program's internals. It returns a function that
// stops the server.
func startPprof(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile takes as long as it was asked to.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("visits: pprof", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("visits: pprof server", "err", err)
		}
	}()
	return func() { srv.Close() }, nil
}
