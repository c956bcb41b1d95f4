package sealed

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KeySize is the size of a key: 32 bytes.
const KeySize = 32

// SaltSize is the size of a salt for DeriveKey: 16 bytes.
const SaltSize = 16

// MinSecretSize is the shortest secret DeriveKey accepts. (Node: the
// plugin's minimum too.)
const MinSecretSize = 32

// Key is a secretbox key.
type Key [KeySize]byte

// Errors returned by this package.
var (
	// ErrKeySize is returned for a key that is not 32 bytes.
	ErrKeySize = errors.New("sealed: key must be 32 bytes")
	// ErrSecretTooShort is returned by DeriveKey for a secret under 32 bytes.
	ErrSecretTooShort = errors.New("sealed: secret must be at least 32 bytes")
	// ErrSaltSize is returned by DeriveKey for a salt that is not 16 bytes.
	ErrSaltSize = errors.New("sealed: salt must be 16 bytes")
	// ErrNoKey is returned by NewBox without any key.
	ErrNoKey = errors.New("sealed: a key or a secret is required")
)

// DefaultSalt is the salt DeriveKey uses when given none. (Node:
// @fastify/secure-session's default salt, base64
// "mq9hDxBVDbspDR6nLfFT1g==".)
var DefaultSalt = []byte{0x9a, 0xaf, 0x61, 0x0f, 0x10, 0x55, 0x0d, 0xbb, 0x29, 0x0d, 0x1e, 0xa7, 0x2d, 0xf1, 0x53, 0xd6}

// GenerateKey returns a new random key from crypto/rand. (Node: `npx
// @fastify/secure-session > secret-key`.)
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("sealed: generate key: %w", err)
	}
	return k, nil
}

// String returns the key in standard base64, the form ParseKey reads.
// (Node: the form @fastify/secure-session's key option takes as a
// string.)
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// ParseKey decodes a key written in base64, standard or URL-safe, padded or
// not. It returns an error wrapping ErrKeySize unless that gives 32 bytes.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return KeyFromBytes(b)
		}
	}
	return Key{}, fmt.Errorf("%w: not base64", ErrKeySize)
}

// KeyFromBytes returns b as a key, or an error wrapping ErrKeySize.
func KeyFromBytes(b []byte) (Key, error) {
	var k Key
	if len(b) != KeySize {
		return k, fmt.Errorf("%w: got %d", ErrKeySize, len(b))
	}
	copy(k[:], b)
	return k, nil
}

// DeriveKey derives a key from a secret with Argon2id, 3 passes over 256
// MiB, one lane (libsodium's crypto_pwhash with OPSLIMIT_MODERATE and
// MEMLIMIT_MODERATE). A nil salt means DefaultSalt. (Node: the plugin's
// secret and salt options.) It takes about a second and 256 MiB: call it once at
// start-up. It returns ErrSecretTooShort or ErrSaltSize for bad input.
func DeriveKey(secret string, salt []byte) (Key, error) {
	if len(secret) < MinSecretSize {
		return Key{}, ErrSecretTooShort
	}
	if salt == nil {
		salt = DefaultSalt
	}
	if len(salt) != SaltSize {
		return Key{}, fmt.Errorf("%w: got %d", ErrSaltSize, len(salt))
	}
	var k Key
	copy(k[:], argon2.IDKey([]byte(secret), salt, 3, 256*1024, 1, KeySize))
	return k, nil
}
