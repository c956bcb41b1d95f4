package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/sqlitestore"
)

// storeHelp lists the -store values.
const storeHelp = "session store: sqlite (a file in -data), sqlite:PATH, memory, redis://HOST:PORT/DB, " +
	"redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER[?db=N] (Redis through Sentinel), " +
	"postgres://..., or cookie (sealed cookies, no store); on Redis, ?wait=N&wait_timeout=1s " +
	"makes every write wait for N replicas (WAIT) or fail with a 503"

// openStore returns the server-side store -store names and a function
// that releases it. The store is returned as it is, not wrapped, so the
// Manager finds its optional capabilities (Toucher, Patcher).
func openStore(ctx context.Context, cfg config) (session.Store, func() error, error) {
	s := cfg.store
	switch {
	case s == "memory":
		st := memstore.New(memstore.Options{MaxSessions: cfg.maxSess, SweepInterval: cfg.sweep})
		if cfg.memGauge != nil {
			cfg.memGauge.countMemory(st)
		}
		return st, st.Close, nil
	case s == "sqlite" || strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(s, "sqlite"), ":")
		if path == "" {
			path = filepath.Join(cfg.dataDir, "sessions.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("sqlite store: %w", err)
		}
		st, err := sqlitestore.Open(path, sqlitestore.Options{SweepInterval: cfg.sweep})
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	case strings.HasPrefix(s, "redis://") || strings.HasPrefix(s, "rediss://"):
		return openRedis(s)
	case strings.HasPrefix(s, "redis-sentinel://"):
		return openRedisSentinel(s)
	case strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://"):
		return openPostgres(ctx, s)
	default:
		return nil, nil, fmt.Errorf("unknown -store %q (want sqlite, sqlite:PATH, memory, redis://..., redis-sentinel://..., postgres://... or cookie)", s)
	}
}

func errorsIsStore(err error) bool { return errors.Is(err, session.ErrStore) }
