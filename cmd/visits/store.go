package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// closableStore is a session store the command closes on exit.
type closableStore interface {
	session.Store
	io.Closer
}

// openStore returns the store -store names.
func openStore(cfg config) (closableStore, error) {
	switch cfg.store {
	case "memory":
		return memstore.New(memstore.Options{MaxSessions: cfg.maxSess}), nil
	default:
		return nil, fmt.Errorf("unknown -store %q (want memory or cookie)", cfg.store)
	}
}

func errorsIsStore(err error) bool { return errors.Is(err, session.ErrStore) }
