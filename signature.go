package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// macLen is the length of an unpadded base64 HMAC-SHA256.
const macLen = 43

// maxCookieValue bounds a cookie value worth verifying. A signed default
// ID is 78 characters; anything longer than a browser's 4096-byte cookie
// is garbage and is rejected before any HMAC is computed.
const maxCookieValue = 4096

// Sign returns value + "." + the unpadded standard-base64 HMAC-SHA256 of
// value under secret: cookie-signature's sign, which express-session uses.
func Sign(value, secret string) string {
	b := make([]byte, 0, len(value)+1+macLen)
	b = append(b, value...)
	b = append(b, '.')
	return string(appendMAC(b, value, secret))
}

func appendMAC(dst []byte, value, secret string) []byte {
	pool := macPool(secret)
	h := pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(value))
	var sum [sha256.Size]byte
	dst = base64.RawStdEncoding.AppendEncode(dst, h.Sum(sum[:0]))
	pool.Put(h)
	return dst
}

// maxMACPools bounds how many secrets get a pool of keyed HMACs. An
// application has a handful; past the bound each MAC is keyed afresh.
const maxMACPools = 64

var macPools struct {
	sync.Mutex
	m map[string]*sync.Pool
}

// macPool returns a pool of HMAC-SHA256 hashes keyed with secret, so that
// a request does not key a new HMAC (four allocations) per signature.
func macPool(secret string) *sync.Pool {
	macPools.Lock()
	defer macPools.Unlock()
	if p, ok := macPools.m[secret]; ok {
		return p
	}
	p := &sync.Pool{New: func() any { return hmac.New(sha256.New, []byte(secret)) }}
	if len(macPools.m) < maxMACPools {
		if macPools.m == nil {
			macPools.m = make(map[string]*sync.Pool)
		}
		macPools.m[secret] = p
	}
	return p
}

// Unsign verifies a value made by Sign with any of the secrets, tried in
// order, and returns the value before the last ".". It compares in
// constant time. A missing, padded or wrong signature gives an error
// wrapping ErrInvalidCookie.
func Unsign(signed string, secrets ...string) (string, error) {
	dot := strings.LastIndexByte(signed, '.')
	if dot < 0 || len(signed)-dot-1 != macLen {
		return "", fmt.Errorf("%w: malformed signature", ErrInvalidCookie)
	}
	value, mac := signed[:dot], signed[dot+1:]
	var buf [macLen]byte
	for _, secret := range secrets {
		want := appendMAC(buf[:0], value, secret)
		if hmac.Equal(want, []byte(mac)) {
			return value, nil
		}
	}
	return "", fmt.Errorf("%w: %w", ErrInvalidCookie, ErrForged)
}

// signedValue is the decoded cookie value express-session writes for id:
// "s:" + Sign(id, secret).
func signedValue(id, secret string) string {
	return "s:" + Sign(id, secret)
}

// unsignValue reverses signedValue. A value without the "s:" prefix is
// rejected, as express-session ignores unsigned cookies.
func unsignValue(v string, secrets []string) (string, error) {
	if len(v) > maxCookieValue {
		return "", fmt.Errorf("%w: %d bytes", ErrInvalidCookie, len(v))
	}
	rest, ok := strings.CutPrefix(v, "s:")
	if !ok {
		return "", fmt.Errorf("%w: not signed", ErrInvalidCookie)
	}
	id, err := Unsign(rest, secrets...)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("%w: empty ID", ErrInvalidCookie)
	}
	return id, nil
}
