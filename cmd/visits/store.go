package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/sqlitestore"
)

// storeHelp lists the -store values.
const storeHelp = "session store: sqlite (a file in -data), sqlite:PATH, memory, redis://HOST:PORT/DB, " +
	"postgres://..., or cookie (sealed cookies, no store)"

// openStore returns the server-side store -store names and a function
// that releases it. The store is returned as it is, not wrapped, so the
// Manager finds its optional capabilities (Toucher, Patcher).
func openStore(ctx context.Context, cfg config) (session.Store, func() error, error) {
	s := cfg.store
	switch {
	case s == "memory":
		st := memstore.New(memstore.Options{MaxSessions: cfg.maxSess})
		return st, st.Close, nil
	case s == "sqlite" || strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(s, "sqlite"), ":")
		if path == "" {
			path = filepath.Join(cfg.dataDir, "sessions.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("sqlite store: %w", err)
		}
		st, err := sqlitestore.Open(path, sqlitestore.Options{})
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	case strings.HasPrefix(s, "redis://") || strings.HasPrefix(s, "rediss://"):
		opt, err := redis.ParseURL(s)
		if err != nil {
			return nil, nil, fmt.Errorf("redis store: %w", err)
		}
		if !strings.Contains(s, "protocol=") {
			// Sessions need no RESP3 push notifications, and with RESP3
			// go-redis looks for them on every command (a read syscall).
			opt.Protocol = 2
		}
		client := redis.NewClient(opt)
		return redisStore(client), client.Close, nil
	case strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://"):
		return openPostgres(ctx, s)
	default:
		return nil, nil, fmt.Errorf("unknown -store %q (want sqlite, sqlite:PATH, memory, redis://..., postgres://... or cookie)", s)
	}
}

func errorsIsStore(err error) bool { return errors.Is(err, session.ErrStore) }
