package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// middleware is a session manager of either kind.
type middleware interface {
	Handler(http.Handler) http.Handler
}

// apiHeader carries the session token of API clients (GET /api/visits).
const apiHeader = "X-Session-Token"

// withAPI is the session middleware of the pages with a twin on the same
// store and secrets for API clients, which send the session ID in
// apiHeader instead of a cookie.
type withAPI struct {
	*session.Manager
	api *session.Manager
}

// API returns the middleware for API clients.
func (w withAPI) API() middleware { return w.api }

// newSessions returns the session middleware -store asks for and a
// function that releases its store.
func newSessions(ctx context.Context, cfg config, getenv func(string) string, log *slog.Logger) (middleware, func(), error) {
	cookie := session.CookieOptions{MaxAge: cfg.maxAge}
	if cfg.store == "cookie" {
		keys, err := sealedKeys(getenv, cfg.dataDir, log)
		if err != nil {
			return nil, nil, err
		}
		box, err := sealed.NewBox(keys...)
		if err != nil {
			return nil, nil, err
		}
		m, err := session.NewSealed(session.SealedOptions{Sealer: box, TrustProxy: cfg.trustProxy, Cookie: cookie, Logger: log, Observer: cfg.observer})
		if err != nil {
			return nil, nil, err
		}
		return m, func() {}, nil
	}
	secrets, err := loadSecrets(getenv, cfg.dataDir, log)
	if err != nil {
		return nil, nil, err
	}
	store, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	opts := session.Options{
		Secrets:      secrets,
		Store:        store,
		StoreTimeout: cfg.storeTO,
		TrustProxy:   cfg.trustProxy,
		Cookie:       cookie,
		Logger:       log,
		Observer:     cfg.observer,
	}
	m, err := session.New(opts)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	// API clients: the same sessions, the ID in a header instead of a cookie.
	opts.Header = apiHeader
	api, err := session.New(opts)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	return withAPI{m, api}, func() {
		if err := closeStore(); err != nil {
			log.Warn("visits: close store", "err", err)
		}
	}, nil
}

// sealedKeys returns the keys of sealed sessions from SESSION_KEY, or
// derived from SESSION_SECRET and SESSION_SALT (about a second), or a
// development key kept in dataDir/dev-key.
func sealedKeys(getenv func(string) string, dataDir string, log *slog.Logger) ([]sealed.Key, error) {
	var keys []sealed.Key
	if env := getenv("SESSION_KEY"); env != "" {
		for _, s := range strings.Split(env, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			k, err := sealed.ParseKey(s)
			if err != nil {
				return nil, fmt.Errorf("SESSION_KEY: %w", err)
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			return nil, errors.New("SESSION_KEY holds no key")
		}
		return keys, nil
	}
	if secret := getenv("SESSION_SECRET"); secret != "" {
		var salt []byte
		if s := getenv("SESSION_SALT"); s != "" {
			salt = []byte(s)
		}
		k, err := sealed.DeriveKey(secret, salt)
		if err != nil {
			return nil, fmt.Errorf("SESSION_SECRET: %w", err)
		}
		return []sealed.Key{k}, nil
	}
	path := filepath.Join(dataDir, "dev-key")
	b, err := os.ReadFile(path)
	var k sealed.Key
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if k, err = sealed.GenerateKey(); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("development key: %w", err)
		}
		if err := os.WriteFile(path, []byte(k.String()+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("development key: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("development key: %w", err)
	default:
		if k, err = sealed.ParseKey(string(b)); err != nil {
			return nil, fmt.Errorf("development key %s: %w", path, err)
		}
	}
	log.Warn("visits: SESSION_KEY is not set; using the development key kept in "+path+
		"; set SESSION_KEY in production", "path", path)
	return []sealed.Key{k}, nil
}
