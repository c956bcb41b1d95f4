// Command visits is the visit tracker of the session lesson, in Go, grown
// into the next lesson's sign-in: every visit to / increments a counter
// kept in the visitor's session and shows it. POST /login signs in with a
// name and a password from a demo list (Session.SignIn, keeping the
// visits), POST /logout signs out (Session.SignOut), GET /account lists
// the user's sessions and signs out the others, POST /reset destroys the
// session. Every page sends a Content-Security-Policy and the other
// security headers, and every POST from another origin is refused
// (net/http.CrossOriginProtection).
//
// Usage:
//
//	visits [-addr :3000] [-store memory|cookie] [-trust-proxy] [-max-age 0] [-max-sessions 0] [-sweep-interval 0] [-metrics ADDR] [-pprof ADDR] [-store-timeout 5s]
//
// SESSION_SECRET holds the cookie-signing secrets, comma-separated, the
// first signing. Without it a development secret is generated once and
// kept in the data directory, so restarts do not sign users out.
//
// With -store cookie the session is sealed in the cookie itself, as
// @fastify/secure-session does: SESSION_KEY holds base64 keys,
// comma-separated, the first sealing (make one with `go run
// ./sealed/cmd/sessionkey`); or SESSION_SECRET (32+ bytes) and SESSION_SALT (16
// bytes, optional) derive one. Without them a development key is kept in
// the data directory.
//
// With -metrics ADDR the session events, rejected cookies and store calls
// are counted with OpenTelemetry (package otelsession) and served in
// Prometheus's text format on ADDR at /metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessionkit/session"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(context.Background(), os.Args[1:], os.Getenv, log); err != nil {
		log.Error("visits", "err", err)
		os.Exit(1)
	}
}

// config is what the command line and environment say.
type config struct {
	addr       string
	store      string
	dataDir    string
	trustProxy bool
	maxAge     time.Duration
	maxSess    int
	sweep      time.Duration // -sweep-interval: how often the memory and SQLite stores delete expired sessions
	metrics    string        // -metrics: the address of /metrics, or ""
	pprof      string        // -pprof: the address of /debug/pprof/, or ""
	storeTO    time.Duration // -store-timeout: session.Options.StoreTimeout (0: its default)

	observer session.Observer                      // set by run when metrics is set
	memGauge interface{ countMemory(memoryStore) } // set by run when metrics is set: told of the memory store
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("visits", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", ":3000", "listen address")
	fs.StringVar(&c.store, "store", "sqlite", storeHelp)
	fs.StringVar(&c.dataDir, "data", defaultDataDir(), "directory for the development secret and durable stores")
	fs.BoolVar(&c.trustProxy, "trust-proxy", false, "trust X-Forwarded-Proto from a reverse proxy")
	fs.DurationVar(&c.maxAge, "max-age", 0, "session cookie lifetime (0: until the browser closes)")
	fs.IntVar(&c.maxSess, "max-sessions", 0, "memory store: most sessions kept (0: 100000)")
	fs.DurationVar(&c.sweep, "sweep-interval", 0, "memory and SQLite stores: time between deletions of expired sessions (0: the store's default, 1m and 5m)")
	fs.StringVar(&c.metrics, "metrics", "", "serve Prometheus metrics on this address at /metrics (off when empty)")
	fs.StringVar(&c.pprof, "pprof", "", "serve runtime profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060 (off when empty)")
	fs.DurationVar(&c.storeTO, "store-timeout", 0, "bound on every store call; the request fails with 503 past it (0: 5s)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return c, nil
}

// newServer returns the server for h: every phase of a connection is
// bounded, so a slow or idle client cannot hold one open (Slowloris).
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // the forms are small
		WriteTimeout:      30 * time.Second, // the pages too
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// run serves until ctx ends or SIGINT/SIGTERM arrives, then shuts down
// gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, log *slog.Logger) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.pprof != "" {
		stopPprof, err := startPprof(cfg.pprof, log)
		if err != nil {
			return fmt.Errorf("pprof: %w", err)
		}
		defer stopPprof()
	}
	if cfg.metrics != "" {
		ms, err := startMetrics(cfg.metrics, cfg.store, log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := ms.shutdown(sctx); err != nil {
				log.Warn("visits: metrics shutdown", "err", err)
			}
		}()
		cfg.observer, cfg.memGauge = ms.observer, ms
	}
	m, closeStore, err := newSessions(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer closeStore()
	a, err := newApp(log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := newServer(a.routes(m), log)
	log.Info("visits: listening", "addr", ln.Addr().String(), "store", cfg.store, "trust_proxy", cfg.trustProxy)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("visits: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
