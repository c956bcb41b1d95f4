package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"
	"sync/atomic"
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
	st := pool.Get().(*macState)
	st.h.Reset()
	st.in = append(st.in[:0], value...)
	st.h.Write(st.in)
	dst = base64.RawStdEncoding.AppendEncode(dst, st.h.Sum(st.sum[:0]))
	if cap(st.in) <= maxPooledInput {
		pool.Put(st)
	}
	return dst
}

// macState is a keyed HMAC-SHA256 with buffers for its input and sum, so
// that a signature costs no allocation.
type macState struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// maxPooledInput bounds the input buffer a pooled macState keeps.
const maxPooledInput = 512

// maxMACPools bounds how many secrets get a pool of keyed HMACs. An
// application has a handful; past the bound each MAC is keyed afresh.
const maxMACPools = 64

var macPools struct {
	m sync.Map // secret → *sync.Pool of *macState
	n atomic.Int32
}

// macPool returns a pool of HMAC-SHA256 hashes keyed with secret, so that
// a request does not key a new HMAC (four allocations and two SHA-256
// blocks) per signature.
func macPool(secret string) *sync.Pool {
	if p, ok := macPools.m.Load(secret); ok {
		return p.(*sync.Pool)
	}
	p := &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, []byte(secret))} }}
	if macPools.n.Load() < maxMACPools {
		if q, loaded := macPools.m.LoadOrStore(secret, p); loaded {
			return q.(*sync.Pool)
		}
		macPools.n.Add(1)
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
