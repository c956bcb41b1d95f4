package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// A nil session follows one rule: reads give the zero value, every method
// that returns an error returns ErrNoSession, the rest do nothing.
func TestNilSession(t *testing.T) {
	var s *session.Session
	ctx := context.Background()
	errs := map[string]error{
		"Set":              s.Set("k", 1),
		"Save":             s.Save(ctx),
		"Regenerate":       s.Regenerate(ctx),
		"Destroy":          s.Destroy(ctx),
		"Reload":           s.Reload(ctx),
		"SignIn":           s.SignIn(ctx, "alice"),
		"SignOut":          s.SignOut(ctx),
		"Flash":            s.Flash("info", "x"),
		"EndUserSession":   s.EndUserSession(ctx, "h"),
		"Increment":        func() error { _, err := s.Increment(ctx, "n", 1); return err }(),
		"UserSessions":     func() error { _, err := s.UserSessions(ctx); return err }(),
		"EndOtherSessions": func() error { _, err := s.EndOtherSessions(ctx); return err }(),
	}
	for name, err := range errs {
		if !errors.Is(err, session.ErrNoSession) {
			t.Errorf("nil %s: %v, want ErrNoSession", name, err)
		}
	}
	s.Delete("k")
	s.Clear()
	s.Touch()
	s.SetMaxAge(time.Hour)
	_, ok := session.Get[int](s, "k")
	_, raw := s.Raw("k")
	user, signedIn := s.User()
	if s.ID() != "" || s.IsNew() || ok || raw || s.Has("k") || s.Keys() != nil || !s.Expires().IsZero() ||
		user != "" || signedIn || s.Flashes("info") != nil || s.AllFlashes() != nil {
		t.Error("a nil session's reads are not all zero values")
	}
}

// A zero Session works outside the middleware: data, sign-in, flashes,
// Increment, Regenerate and Destroy, and From finds it through NewContext.
func TestZeroSession(t *testing.T) {
	ctx := context.Background()
	s := new(session.Session)
	if s.ID() != "" || !s.IsNew() {
		t.Fatalf("zero session: ID %q, IsNew %v; want \"\", true", s.ID(), s.IsNew())
	}
	if err := s.Set("cart", []string{"apple"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Increment(ctx, "visits", 2); err != nil || n != 2 {
		t.Fatalf("Increment = %d, %v; want 2", n, err)
	}
	if err := s.SignIn(ctx, "alice", session.KeepData()); err != nil {
		t.Fatal(err)
	}
	if u, ok := s.User(); u != "alice" || !ok {
		t.Fatalf("User = %q, %v; want alice", u, ok)
	}
	if cart, ok := session.Get[[]string](s, "cart"); !ok || len(cart) != 1 {
		t.Fatalf("cart after SignIn with KeepData: %v, %v", cart, ok)
	}
	if err := s.Flash("info", "hi"); err != nil || fmt.Sprint(s.Flashes("info")) != "[hi]" {
		t.Fatalf("Flash: %v, %v", err, s.Flashes("info"))
	}
	if _, err := s.UserSessions(ctx); !errors.Is(err, session.ErrNoIndex) {
		t.Fatalf("UserSessions = %v, want ErrNoIndex", err)
	}
	if err := s.Regenerate(ctx); err != nil || len(s.Keys()) != 0 {
		t.Fatalf("Regenerate: %v, keys %v; want it emptied", err, s.Keys())
	}
	if err := s.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("k", 1); !errors.Is(err, session.ErrDestroyed) {
		t.Fatalf("Set after Destroy = %v, want ErrDestroyed", err)
	}

	r := httptest.NewRequest("GET", "/", nil)
	own := new(session.Session)
	r = r.WithContext(session.NewContext(r.Context(), own))
	if session.From(r) != own {
		t.Fatal("From does not return the session NewContext put in")
	}
}

// A handler's unit test builds the session itself.
func ExampleNewContext() {
	visits := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d", n)
	})

	s := new(session.Session)
	if err := s.Set("visits", 41); err != nil {
		panic(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(session.NewContext(r.Context(), s))
	w := httptest.NewRecorder()
	visits.ServeHTTP(w, r)

	n, _ := session.Get[int](s, "visits")
	fmt.Println(w.Body.String(), n)
	// Output: visit 42 42
}
