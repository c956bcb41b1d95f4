// Package signature signs and verifies values as the npm package
// cookie-signature does (express-session's cookie): value + "." + the
// unpadded standard-base64 HMAC-SHA256 of value. A Signer keeps a pool of
// keyed HMACs per secret, so a signature costs no allocation and no
// re-keying; it is owned by one session Manager, and its secrets become
// unreachable with it.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
	"sync"
)

// MACLen is the length of an unpadded base64 HMAC-SHA256.
const MACLen = 43

// Errors Verify returns.
var (
	// ErrMalformed: no "." or a signature of the wrong length.
	ErrMalformed = errors.New("malformed signature")
	// ErrMismatch: a well-formed signature no secret made.
	ErrMismatch = errors.New("signature does not verify")
)

// maxPooledInput bounds the input buffer a pooled state keeps.
const maxPooledInput = 512

// Signer signs with its first secret and verifies with each, in order. It
// is safe for concurrent use.
type Signer struct {
	keys []key
}

type key struct {
	secret string
	pool   sync.Pool // of *state keyed with secret
}

// state is a keyed HMAC-SHA256 with buffers for its input and sum.
type state struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// New returns a Signer for secrets; the first signs. It panics when there
// is none: the caller validates its options first.
func New(secrets ...string) *Signer {
	if len(secrets) == 0 {
		panic("signature: no secret")
	}
	s := &Signer{keys: make([]key, len(secrets))}
	for i, secret := range secrets {
		k := &s.keys[i]
		k.secret = secret
		k.pool.New = func() any { return &state{h: hmac.New(sha256.New, []byte(secret))} }
	}
	return s
}

// Sign returns value signed with the first secret.
func (s *Signer) Sign(value string) string {
	b := make([]byte, 0, len(value)+1+MACLen)
	b = append(b, value...)
	b = append(b, '.')
	return string(s.keys[0].appendMAC(b, value))
}

// Verify returns the value before the last "." of signed when a secret
// made its signature, comparing in constant time, or an error wrapping
// ErrMalformed or ErrMismatch.
func (s *Signer) Verify(signed string) (string, error) {
	dot := strings.LastIndexByte(signed, '.')
	if dot < 0 || len(signed)-dot-1 != MACLen {
		return "", ErrMalformed
	}
	value, mac := signed[:dot], signed[dot+1:]
	var buf [MACLen]byte
	for i := range s.keys {
		if hmac.Equal(s.keys[i].appendMAC(buf[:0], value), []byte(mac)) {
			return value, nil
		}
	}
	return "", ErrMismatch
}

func (k *key) appendMAC(dst []byte, value string) []byte {
	st := k.pool.Get().(*state)
	st.h.Reset()
	st.in = append(st.in[:0], value...)
	st.h.Write(st.in)
	dst = base64.RawStdEncoding.AppendEncode(dst, st.h.Sum(st.sum[:0]))
	if cap(st.in) <= maxPooledInput {
		k.pool.Put(st)
	}
	return dst
}
