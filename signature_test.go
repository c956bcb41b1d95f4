package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/session/internal/cookie"
	"github.com/sessionkit/session/internal/signature"
)

// Vectors from node-wire-formats.md §2.4, computed with Node.
func TestSignVectors(t *testing.T) {
	tests := []struct{ value, secret, want string }{
		{"abc", "keyboard cat", "abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU"},
		{"abc", "clé secrète", "abc.VK0zABK9vt8loR3YAG0cZKnpJWpFJpQ1sI5z/7s9gMQ"},
	}
	for _, tt := range tests {
		if got := Sign(tt.value, tt.secret); got != tt.want {
			t.Errorf("Sign(%q, %q) = %q, want %q", tt.value, tt.secret, got, tt.want)
		}
		got, err := Unsign(tt.want, tt.secret)
		if err != nil || got != tt.value {
			t.Errorf("Unsign(%q) = %q, %v; want %q, nil", tt.want, got, err, tt.value)
		}
	}
}

func TestWireValueVector(t *testing.T) {
	got := cookie.Encode(signedValue(signature.New("keyboard cat"), "abc"))
	want := "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU"
	if got != want {
		t.Errorf("wire value = %q, want %q", got, want)
	}
}

func TestUnsignValue(t *testing.T) {
	good := signedValue(signature.New("new-secret"), "id.with.dots")
	old := signedValue(signature.New("old-secret"), "abc")
	secrets := []string{"new-secret", "old-secret"}
	tests := []struct {
		name, value, want string
		ok                bool
	}{
		{"current secret", good, "id.with.dots", true},
		{"rotated secret", old, "abc", true},
		{"unknown secret", signedValue(signature.New("other"), "abc"), "", false},
		{"padded mac", old + "=", "", false},
		{"no prefix", strings.TrimPrefix(old, "s:"), "", false},
		{"tampered id", strings.Replace(old, "abc", "abd", 1), "", false},
		{"tampered mac", old[:len(old)-1] + "A", "", false},
		{"truncated", old[:len(old)-5], "", false},
		{"no dot", "s:abc", "", false},
		{"empty", "", "", false},
		{"prefix only", "s:", "", false},
		{"empty id", "s:" + Sign("", "new-secret"), "", false},
		{"oversized", "s:" + strings.Repeat("a", 5000) + ".x", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unsignValue(signature.New(secrets...), tt.value)
			if tt.ok {
				if err != nil || got != tt.want {
					t.Fatalf("unsignValue = %q, %v; want %q, nil", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidCookie) {
				t.Fatalf("unsignValue = %q, %v; want an error wrapping ErrInvalidCookie", got, err)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id, err := NewID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 32 || strings.ContainsAny(id, "+/=") {
			t.Fatalf("NewID() = %q: want 32 base64url characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
