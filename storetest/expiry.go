package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// getExpiry checks the expiry Get returns with the record: the one it was
// last set, touched or patched to, to the second (Redis and PostgreSQL
// keep whole seconds, rounded up). A store whose Get returns the zero
// time (it cannot tell) is skipped: the Manager then renews every request.
func getExpiry(t *testing.T, s session.Store) {
	er := s
	near := func(got, want time.Time) {
		t.Helper()
		if d := got.Sub(want); d < -time.Second || d > time.Second {
			t.Fatalf("expiry %v, want %v (off by %v)", got, want, d)
		}
	}
	id := newID(t)
	rec := record(1, `,"passport":{"user":"alice"}`)
	exp := time.Now().Add(time.Hour)
	if err := s.Set(ctx(t), id, rec, exp); err != nil {
		t.Fatal(err)
	}
	got, gotExp, err := er.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, rec)
	if gotExp.IsZero() {
		t.Skip("the store's Get returns no expiry")
	}
	near(gotExp, exp)

	if toucher, ok := s.(session.Toucher); ok {
		exp = time.Now().Add(3 * time.Hour)
		if err := toucher.Touch(ctx(t), id, exp); err != nil {
			t.Fatal(err)
		}
		_, gotExp, err := er.Get(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		near(gotExp, exp)
	}
	if p, ok := s.(session.Patcher); ok {
		exp = time.Now().Add(2 * time.Hour)
		if _, err := p.Patch(ctx(t), id, NewPatch(map[string]json.RawMessage{"visits": json.RawMessage("2")}, nil, nil), exp); err != nil {
			t.Fatal(err)
		}
		got, gotExp, err := er.Get(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, got, record(2, `,"passport":{"user":"alice"}`))
		near(gotExp, exp)
	}

	if _, _, err := er.Get(ctx(t), newID(t)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get of a missing record: %v, want ErrNotFound", err)
	}
	if err := s.Destroy(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := er.Get(ctx(t), id); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get after Destroy: %v, want ErrNotFound", err)
	}
	// An expired record is not found, as by Get.
	soon := newID(t)
	if err := s.Set(ctx(t), soon, rec, time.Now().Add(1100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	waitGone(t, s, soon, 4*time.Second)
	if _, _, err := er.Get(ctx(t), soon); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get of an expired record: %v, want ErrNotFound", err)
	}
}
