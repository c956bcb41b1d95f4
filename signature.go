package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sessionkit/session/internal/signature"
)

// maxCookieValue bounds a cookie value worth verifying. A signed default
// ID is 78 characters; anything longer than a browser's 4096-byte cookie
// is garbage and is rejected before any HMAC is computed.
const maxCookieValue = 4096

// Sign returns value + "." + the unpadded standard-base64 HMAC-SHA256 of
// value under secret. (Node: cookie-signature's sign, which express-session
// uses for its cookie.)
func Sign(value, secret string) string {
	return signature.New(secret).Sign(value)
}

// Unsign verifies a value made by Sign with any of the secrets, tried in
// order, and returns the value before the last ".". It compares in
// constant time. A missing, padded or wrong signature, or no secret,
// gives an error wrapping ErrInvalidCookie (and ErrForged for a
// well-formed signature no secret made). (Node: cookie-signature's
// unsign.)
func Unsign(signed string, secrets ...string) (string, error) {
	if len(secrets) == 0 {
		return "", fmt.Errorf("%w: no secret to verify with", ErrInvalidCookie)
	}
	return verify(signature.New(secrets...), signed)
}

// verify is Unsign with signer's secrets.
func verify(signer *signature.Signer, signed string) (string, error) {
	v, err := signer.Verify(signed)
	switch {
	case errors.Is(err, signature.ErrMismatch):
		return "", fmt.Errorf("%w: %w", ErrInvalidCookie, ErrForged)
	case err != nil:
		return "", fmt.Errorf("%w: %w", ErrInvalidCookie, err)
	}
	return v, nil
}

// signedValue is the decoded cookie value express-session writes for id:
// "s:" + id signed with signer's first secret.
func signedValue(signer *signature.Signer, id string) string {
	return "s:" + signer.Sign(id)
}

// unsignValue reverses signedValue. A value without the "s:" prefix is
// rejected, as express-session ignores unsigned cookies.
func unsignValue(signer *signature.Signer, v string) (string, error) {
	if len(v) > maxCookieValue {
		return "", fmt.Errorf("%w: %d bytes", ErrInvalidCookie, len(v))
	}
	rest, ok := strings.CutPrefix(v, "s:")
	if !ok {
		return "", fmt.Errorf("%w: not signed", ErrInvalidCookie)
	}
	id, err := verify(signer, rest)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("%w: empty ID", ErrInvalidCookie)
	}
	return id, nil
}
