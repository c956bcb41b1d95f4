package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/pgstore"
)

// openPostgres opens the connect-pg-simple-compatible store at url,
// creating its table if missing.
func openPostgres(ctx context.Context, url string) (session.Store, func() error, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres store: %w", err)
	}
	st, err := pgstore.New(ctx, pool, pgstore.Options{CreateTable: true})
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("postgres store: %w", err)
	}
	return st, func() error { err := st.Close(); pool.Close(); return err }, nil
}
