package bench

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
	"github.com/sessionkit/session/sealed"
)

// payloads are the session data sealed in each case: the visit tracker's,
// and a 1 KB one (a cart, say).
var payloads = map[string]map[string]any{
	"small": {"visits": 42},
	"1KB":   {"visits": 42, "user": "alice", "cart": strings.Repeat("item-0123456789,", 60)},
}

func keyBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// BenchmarkSealedSeal encodes the data as JSON and seals it
// (XSalsa20-Poly1305, base64), as securecookie's Encode does its work.
func BenchmarkSealedSeal(b *testing.B) {
	k, _ := sealed.GenerateKey()
	box, _ := sealed.NewBox(k)
	for name, p := range payloads {
		p["__ts"] = 1795458158
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				plain, err := json.Marshal(p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := box.Seal(plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealedOpen opens a sealed value and decodes its JSON.
func BenchmarkSealedOpen(b *testing.B) {
	k, _ := sealed.GenerateKey()
	box, _ := sealed.NewBox(k)
	for name, p := range payloads {
		p["__ts"] = 1795458158
		plain, _ := json.Marshal(p)
		v, _ := box.Seal(plain)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				plain, _, err := box.Open(v)
				if err != nil {
					b.Fatal(err)
				}
				var out map[string]json.RawMessage // what the middleware decodes into
				if err := json.Unmarshal(plain, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// gorilla/securecookie with encryption on (AES-256-CTR + HMAC-SHA256) and
// the JSON serializer, the closest peer to a sealed session cookie.
func newSecureCookie() *securecookie.SecureCookie {
	return securecookie.New(keyBytes(32), keyBytes(32)).SetSerializer(securecookie.JSONEncoder{})
}

func BenchmarkSecurecookieEncode(b *testing.B) {
	sc := newSecureCookie()
	for name, p := range payloads {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Encode("session", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSecurecookieDecode(b *testing.B) {
	sc := newSecureCookie()
	for name, p := range payloads {
		v, err := sc.Encode("session", p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var out map[string]any
				if err := sc.Decode("session", v, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
