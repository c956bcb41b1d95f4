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
		o := sealed.Options{TrustProxy: cfg.trustProxy, Cookie: cookie, Logger: log, Observer: cfg.observer}
		if err := sealedKeys(&o, getenv, cfg.dataDir, log); err != nil {
			return nil, nil, err
		}
		m, err := sealed.New(o)
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

// sealedKeys fills the keys of o from SESSION_KEY, or SESSION_SECRET and
// SESSION_SALT, or a development key kept in dataDir/dev-key.
func sealedKeys(o *sealed.Options, getenv func(string) string, dataDir string, log *slog.Logger) error {
	if env := getenv("SESSION_KEY"); env != "" {
		for _, s := range strings.Split(env, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			k, err := sealed.ParseKey(s)
			if err != nil {
				return fmt.Errorf("SESSION_KEY: %w", err)
			}
			o.Keys = append(o.Keys, k)
		}
		if len(o.Keys) == 0 {
			return errors.New("SESSION_KEY holds no key")
		}
		return nil
	}
	if secret := getenv("SESSION_SECRET"); secret != "" {
		o.Secret = secret
		if salt := getenv("SESSION_SALT"); salt != "" {
			o.Salt = []byte(salt)
		}
		return nil
	}
	path := filepath.Join(dataDir, "dev-key")
	b, err := os.ReadFile(path)
	var k sealed.Key
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if k, err = sealed.GenerateKey(); err != nil {
			return err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return fmt.Errorf("development key: %w", err)
		}
		if err := os.WriteFile(path, []byte(k.String()+"\n"), 0o600); err != nil {
			return fmt.Errorf("development key: %w", err)
		}
	case err != nil:
		return fmt.Errorf("development key: %w", err)
	default:
		if k, err = sealed.ParseKey(string(b)); err != nil {
			return fmt.Errorf("development key %s: %w", path, err)
		}
	}
	log.Warn("visits: SESSION_KEY is not set; using the development key kept in "+path+
		"; set SESSION_KEY in production", "path", path)
	o.Keys = []sealed.Key{k}
	return nil
}
