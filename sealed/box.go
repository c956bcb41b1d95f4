package sealed

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/sessionkit/session"
	"golang.org/x/crypto/nacl/secretbox"
)

const nonceSize = 24

// maxValue bounds a cookie value worth opening: no browser sends more.
const maxValue = 8192

// Box seals and opens cookie values with a list of keys: the first seals,
// each opens. It implements session.Sealer and is safe for concurrent use.
type Box struct {
	keys []Key
}

// NewBox returns a Box for keys, or ErrNoKey when there is none.
func NewBox(keys ...Key) (*Box, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	return &Box{keys: append([]Key(nil), keys...)}, nil
}

// Seal returns base64(secretbox(plaintext)) + ";" + base64(nonce) under the
// first key, with a fresh random nonce: the cookie value before
// percent-encoding. It fails only if the system's random source does.
func (b *Box) Seal(plaintext []byte) (string, error) {
	var nonce [nonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("sealed: nonce: %w", err)
	}
	return b.sealWith(plaintext, &nonce), nil
}

func (b *Box) sealWith(plaintext []byte, nonce *[nonceSize]byte) string {
	key := (*[KeySize]byte)(&b.keys[0])
	box := secretbox.Seal(make([]byte, 0, len(plaintext)+secretbox.Overhead), plaintext, nonce, key)
	n := base64.StdEncoding.EncodedLen(len(box))
	out := make([]byte, 0, n+1+32)
	out = base64.StdEncoding.AppendEncode(out, box)
	out = append(out, ';')
	out = base64.StdEncoding.AppendEncode(out, nonce[:])
	return string(out)
}

// Open returns the plaintext sealed in value, trying each key in order;
// stale is true when a key other than the first opened it. Both base64
// alphabets are accepted (as Node's decoder does). A forged, truncated or
// garbage value gives an error wrapping session.ErrInvalidCookie.
func (b *Box) Open(value string) (plaintext []byte, stale bool, err error) {
	if len(value) > maxValue {
		return nil, false, fmt.Errorf("%w: %d bytes", session.ErrInvalidCookie, len(value))
	}
	boxPart, rest, ok := strings.Cut(value, ";")
	if !ok {
		return nil, false, fmt.Errorf("%w: no nonce", session.ErrInvalidCookie)
	}
	noncePart, _, _ := strings.Cut(rest, ";")
	box := nodeBase64(boxPart)
	nonceBytes := nodeBase64(noncePart)
	if len(box) < secretbox.Overhead || len(nonceBytes) != nonceSize {
		return nil, false, fmt.Errorf("%w: bad box or nonce length", session.ErrInvalidCookie)
	}
	nonce := (*[nonceSize]byte)(nonceBytes)
	for i := range b.keys {
		if out, ok := secretbox.Open(nil, box, nonce, (*[KeySize]byte)(&b.keys[i])); ok {
			return out, i > 0, nil
		}
	}
	return nil, false, fmt.Errorf("%w: %w: no key opens it", session.ErrInvalidCookie, session.ErrForged)
}

// nodeBase64 decodes s as Node's Buffer.from(s, 'base64') does: both
// alphabets, characters outside them skipped, decoding stopped at "=", and
// a dangling sixth-bit character ignored.
func nodeBase64(s string) []byte {
	// What this package and the plugin write, padded standard base64,
	// decodes the same strictly and the Node way: no copy to clean it.
	if out, err := base64.StdEncoding.AppendDecode(nil, []byte(s)); err == nil {
		return out
	}
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			i = len(s)
			continue
		case c == '-':
			c = '+'
		case c == '_':
			c = '/'
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
		default:
			continue
		}
		clean = append(clean, c)
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	// Only valid characters in a valid length remain, so this cannot
	// fail; non-zero trailing bits are tolerated, as by Node.
	out, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return out
}
