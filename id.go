package session

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// idBytes is the entropy of a default session ID: 192 bits, as
// express-session's uid-safe(24), well above OWASP's 64-bit minimum.
const idBytes = 24

// NewID returns a new session ID: 24 bytes from crypto/rand in base64url
// without padding (32 characters), the format express-session generates.
// It returns an error only if the system's random source fails.
func NewID() (string, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: generate ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
