package signature

import (
	"errors"
	"strings"
	"testing"
)

// The vector is cookie-signature's documented example, sign('hello',
// 'tobiiscool'); the root package's tests check against the real npm
// package.
func TestSignVerify(t *testing.T) {
	s := New("tobiiscool")
	const want = "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI"
	if got := s.Sign("hello"); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	rotated := New("new-secret", "tobiiscool")
	tests := []struct {
		signed string
		value  string
		err    error
	}{
		{want, "hello", nil},
		{"hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QJ", "", ErrMismatch},
		{"hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI=", "", ErrMalformed},
		{"hello", "", ErrMalformed},
		{"", "", ErrMalformed},
		{"a.b." + strings.Repeat("x", MACLen), "", ErrMismatch},
	}
	for _, tc := range tests {
		got, err := rotated.Verify(tc.signed)
		if got != tc.value || !errors.Is(err, tc.err) {
			t.Errorf("Verify(%q) = %q, %v; want %q, %v", tc.signed, got, err, tc.value, tc.err)
		}
	}
	if got, err := New("other").Verify(want); err == nil {
		t.Errorf("another secret verified it: %q", got)
	}
}

func TestSignAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items; the count holds without it")
	}
	s := New("a-secret-of-at-least-thirty-two-bytes")
	signed := s.Sign("id")
	if n := testing.AllocsPerRun(100, func() { s.Verify(signed) }); n != 0 {
		t.Errorf("Verify allocates %v times, want 0", n)
	}
}
