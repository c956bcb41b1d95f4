package memstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

func TestStdID(t *testing.T) {
	for range 100 {
		id, err := session.NewID()
		if err != nil {
			t.Fatal(err)
		}
		k, ok := stdID(id)
		if !ok {
			t.Fatalf("stdID(%q) not standard", id)
		}
		if got := encodeID(&k); got != id {
			t.Fatalf("encodeID(stdID(%q)) = %q", id, got)
		}
	}
	std := strings.Repeat("A", 31) + "_"
	for _, id := range []string{
		"", "x", strings.Repeat("A", 31), strings.Repeat("A", 33), strings.Repeat("A", 44),
		strings.Repeat("A", 31) + "=", strings.Repeat("A", 31) + "+", strings.Repeat("A", 31) + "/",
		strings.Repeat("A", 30) + "\n\r", strings.Repeat("A", 31) + "é"[:1], strings.Repeat("A", 31) + " ",
		strings.Repeat("A", 31) + "\x00", strings.Repeat("A", 31) + "\xff",
	} {
		if _, ok := stdID(id); ok {
			t.Errorf("stdID(%q) standard, want not", id)
		}
	}
	if _, ok := stdID(std); !ok {
		t.Errorf("stdID(%q) not standard", std)
	}
	var b [idLen]byte
	rand.Read(b[:])
	std = base64.RawURLEncoding.EncodeToString(b[:])
	if k, ok := stdID(std); !ok || k != b {
		t.Errorf("stdID(%q) = %x, %v; want %x", std, k, ok, b)
	}
}

// Standard and other IDs behave alike, side by side, whatever their
// spelling: IDs that differ only in case or by one character are
// different sessions.
func TestIDKinds(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }, MaxSessions: 4})
	defer s.Close()
	std, _ := session.NewID()
	ids := []string{
		std,
		strings.ToUpper(std[:1]) + std[1:] + "x", // 33 characters
		std[:31],                                 // 31
		std[:31] + "=",                           // not base64url
		"custom-" + std,
	}
	if strings.ToUpper(std) != std {
		ids = append(ids, strings.ToUpper(std)) // another standard ID
	}
	ids = ids[:4] // the cap: the fifth evicts the first to expire
	for n, id := range ids {
		if err := s.Set(ctx, id, []byte(id), now.Add(time.Duration(n+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		if got, _, err := s.Get(ctx, id); err != nil || string(got) != id {
			t.Errorf("Get(%q) = %q, %v", id, got, err)
		}
	}
	if err := s.Set(ctx, "custom", []byte("c"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, ids[0]); err == nil {
		t.Errorf("the standard ID closest to expiry was not evicted")
	}
	if err := s.Set(ctx, std, []byte("again"), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, ids[1]); err == nil {
		t.Errorf("the other ID closest to expiry was not evicted")
	}
	for _, id := range ids[1:] {
		if err := s.Destroy(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Len(); got != 2 {
		t.Errorf("Len() = %d, want 2", got)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.std.n != 1 || len(s.other) != 1 || len(s.otherIDs) != 1 {
		t.Errorf("%d standard IDs, %d others (%d strings); want 1 each", s.std.n, len(s.other), len(s.otherIDs))
	}
}
