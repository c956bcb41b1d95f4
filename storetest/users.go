package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// signedIn returns a record of a session user is signed in to, as
// Passport keeps it; user is JSON (a string or a number).
func signedIn(user string, visits int) []byte {
	return record(visits, `,"passport":{"user":`+user+`}`)
}

// listed returns the IDs UserSessions finds for user, sorted, and checks
// each record names user.
func listed(t *testing.T, ix session.UserIndex, user string) []string {
	t.Helper()
	found, err := ix.UserSessions(ctx(t), user)
	if err != nil {
		t.Fatalf("UserSessions(%q): %v", user, err)
	}
	var ids []string
	for _, f := range found {
		if u, ok := session.RecordUser(f.Record, session.DefaultUserKey); !ok || u != user {
			t.Errorf("UserSessions(%q) returned %s, whose record names %q (%v): %s", user, f.ID, u, ok, f.Record)
		}
		if !f.Expires.After(time.Now()) {
			t.Errorf("UserSessions(%q) returned %s, expired at %v", user, f.ID, f.Expires)
		}
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func wantListed(t *testing.T, ix session.UserIndex, user string, want ...string) {
	t.Helper()
	if got := listed(t, ix, user); !slices.Equal(got, sorted(want...)) {
		t.Fatalf("UserSessions(%q) = %q, want %q", user, got, sorted(want...))
	}
}

// userIndex checks a session.UserIndex: the sessions of a user are found
// after Set, Patch and Touch, and no longer after Destroy, expiry, a
// sign-out or a change of user; other users' and anonymous sessions never.
func userIndex(t *testing.T, s session.Store) {
	ix, ok := s.(session.UserIndex)
	if !ok {
		t.Skip("store does not implement session.UserIndex")
	}
	run := newID(t)[:10] // user names of this run only: the server may be shared
	alice, bob := "alice-"+run, "bob-"+run
	aliceJSON, _ := json.Marshal(alice)
	bobJSON, _ := json.Marshal(bob)
	hour := time.Now().Add(time.Hour)

	wantListed(t, ix, alice) // nobody yet

	a1, a2, a3, b1, anon := newID(t), newID(t), newID(t), newID(t), newID(t)
	for id, rec := range map[string][]byte{
		a1: signedIn(string(aliceJSON), 1), a2: signedIn(string(aliceJSON), 2),
		b1: signedIn(string(bobJSON), 1), anon: record(1, ""),
	} {
		if err := s.Set(ctx(t), id, rec, hour); err != nil {
			t.Fatal(err)
		}
	}
	wantListed(t, ix, alice, a1, a2)
	wantListed(t, ix, bob, b1)

	// A session signed in by a patch (the Manager saves loaded sessions so).
	if p, ok := s.(session.Patcher); ok {
		if err := s.Set(ctx(t), a3, record(1, ""), hour); err != nil {
			t.Fatal(err)
		}
		wantListed(t, ix, alice, a1, a2)
		set := map[string]json.RawMessage{"passport": json.RawMessage(`{"user":` + string(aliceJSON) + `}`)}
		if _, err := p.Patch(ctx(t), a3, NewPatch(set, nil, nil), hour); err != nil {
			t.Fatal(err)
		}
		wantListed(t, ix, alice, a1, a2, a3)
		// Signed out by a patch (Passport's logout saves {"passport":{}}).
		set = map[string]json.RawMessage{"passport": json.RawMessage(`{}`)}
		if _, err := p.Patch(ctx(t), a3, NewPatch(set, nil, nil), hour); err != nil {
			t.Fatal(err)
		}
		wantListed(t, ix, alice, a1, a2)
	}

	// A record overwritten with another user moves to that user.
	if err := s.Set(ctx(t), a2, signedIn(string(bobJSON), 3), hour); err != nil {
		t.Fatal(err)
	}
	wantListed(t, ix, alice, a1)
	wantListed(t, ix, bob, a2, b1)

	// Destroy removes it.
	if err := s.Destroy(ctx(t), b1); err != nil {
		t.Fatal(err)
	}
	wantListed(t, ix, bob, a2)

	// A number user (Passport serializes IDs as numbers too) is found by
	// its JSON text, and its type survives.
	n1 := newID(t)
	numUser := strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := s.Set(ctx(t), n1, signedIn(numUser, 1), hour); err != nil {
		t.Fatal(err)
	}
	wantListed(t, ix, numUser, n1)
	if got, _, err := s.Get(ctx(t), n1); err != nil || !json.Valid(got) {
		t.Fatalf("Get of the number user's record: %q, %v", got, err)
	}

	// Touch keeps a session listed, with the new expiry.
	if toucher, ok := s.(session.Toucher); ok {
		later := time.Now().Add(2 * time.Hour)
		if err := toucher.Touch(ctx(t), a1, later); err != nil {
			t.Fatal(err)
		}
		found, err := ix.UserSessions(ctx(t), alice)
		if err != nil || len(found) != 1 {
			t.Fatalf("UserSessions after Touch: %v, %v", found, err)
		}
		if d := found[0].Expires.Sub(later); d < -time.Second || d > time.Second {
			t.Errorf("Expires after Touch = %v, want %v", found[0].Expires, later)
		}
	}

	// Expiry removes it, from the listing as from Get.
	soon := newID(t)
	if err := s.Set(ctx(t), soon, signedIn(string(aliceJSON), 1), time.Now().Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, ix, alice); !slices.Contains(got, soon) {
		t.Fatalf("UserSessions(%q) = %q, lacks %s before its expiry", alice, got, soon)
	}
	waitGone(t, s, soon, 30*time.Second)
	wantListed(t, ix, alice, a1)

	// A missing user, and a cancelled context.
	wantListed(t, ix, "nobody-"+run)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.UserSessions(c, alice); err == nil || !errors.Is(err, c.Err()) {
		t.Errorf("UserSessions with a cancelled context = %v, want %v", err, c.Err())
	}
}
