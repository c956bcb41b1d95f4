package pgstore_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/pgstore"
)

// Sessions in the table a Node app using connect-pg-simple shares: same
// table, same secret, same cookie name.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.Options{CreateTable: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{os.Getenv("SESSION_SECRET")},
		Store:   store,
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/", m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		log.Printf("visit %d", n)
	})))
	log.Fatal(http.ListenAndServe(":3000", nil))
}
