package sealed

import (
	"encoding/hex"
	"errors"
	"testing"
)

// Vectors of node-wire-formats.md §4.4, from libsodium's crypto_pwhash.
func TestDeriveKeyVectors(t *testing.T) {
	const secret = "averylogphrasebiggerthanthirtytwochars"
	tests := []struct {
		name string
		salt []byte
		want string
	}{
		{"default salt", nil, "b26d7bb1252a79d7f24e1af3ba192dda3fb33e965905edcff87493ace649b67e"},
		{"NestJS docs salt", []byte("mq9hDxBVDbspDR6n"), "fa4edddde76d7a8f4a7d89b3a93effcc51d9e7bf176b6441c5d82a3b86c2f82b"},
	}
	for _, tt := range tests {
		k, err := DeriveKey(secret, tt.salt)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(k[:]); got != tt.want {
			t.Errorf("%s: key %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestKeyErrors(t *testing.T) {
	if _, err := DeriveKey("too short", nil); !errors.Is(err, ErrSecretTooShort) {
		t.Errorf("short secret: %v", err)
	}
	if _, err := DeriveKey("averylogphrasebiggerthanthirtytwochars", []byte("short")); !errors.Is(err, ErrSaltSize) {
		t.Errorf("short salt: %v", err)
	}
	for _, s := range []string{"", "AAAA", "not base64!", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8fHw=="} {
		if _, err := ParseKey(s); !errors.Is(err, ErrKeySize) {
			t.Errorf("ParseKey(%q): %v, want ErrKeySize", s, err)
		}
	}
	for _, s := range []string{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"} {
		k, err := ParseKey(s)
		if err != nil || k[31] != 0x1f || k.String() != "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" {
			t.Errorf("ParseKey(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := NewBox(); !errors.Is(err, ErrNoKey) {
		t.Errorf("NewBox(): %v", err)
	}
}
