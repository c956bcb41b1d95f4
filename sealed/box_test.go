package sealed

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// The worked example of node-wire-formats.md §4.8, produced by Node.
var (
	vectorKey   = mustKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	vectorPlain = `{"__ts":1700000000,"visits":1}`
	vectorRaw   = "Ud96okFkWI6vUcvhUV/yMV+x6B+Uyis27Z++05Gj7i0Ndsxs3sS/hnIYAJhG9Q==;gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaX"
)

func mustKey(s string) Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

func TestSealVector(t *testing.T) {
	b, _ := NewBox(vectorKey)
	var nonce [nonceSize]byte
	n, _ := hex.DecodeString("808182838485868788898a8b8c8d8e8f9091929394959697")
	copy(nonce[:], n)
	if got := b.sealWith([]byte(vectorPlain), &nonce); got != vectorRaw {
		t.Fatalf("seal:\n got %s\nwant %s", got, vectorRaw)
	}
	plain, stale, err := b.Open(vectorRaw)
	if err != nil || stale || string(plain) != vectorPlain {
		t.Fatalf("Open = %q, %v, %v; want %q", plain, stale, err, vectorPlain)
	}
}

func TestOpenLeniency(t *testing.T) {
	b, _ := NewBox(vectorKey)
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(vectorRaw)
	unpadded := strings.Replace(vectorRaw, "==;", ";", 1)
	for name, v := range map[string]string{"url alphabet": urlSafe, "no padding": unpadded, "third part ignored": vectorRaw + ";x"} {
		if plain, _, err := b.Open(v); err != nil || string(plain) != vectorPlain {
			t.Errorf("%s: Open(%q) = %q, %v", name, v, plain, err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	b, _ := NewBox(vectorKey)
	other, _ := GenerateKey()
	wrong, _ := NewBox(other)
	box, nonce, _ := strings.Cut(vectorRaw, ";")
	tests := map[string]string{
		"empty":          "",
		"no nonce":       box,
		"short nonce":    box + ";" + nonce[:30],
		"long nonce":     box + ";" + nonce + "AAAA",
		"short box":      "AAAA;" + nonce,
		"tampered box":   "V" + vectorRaw[1:],
		"tampered nonce": box + ";h" + nonce[1:],
		"truncated box":  box[:40] + ";" + nonce,
		"garbage":        "\x00\xff;%%%",
		"oversized":      strings.Repeat("A", 10000) + ";" + nonce,
	}
	for name, v := range tests {
		if _, _, err := b.Open(v); !errors.Is(err, session.ErrInvalidCookie) {
			t.Errorf("%s: Open error %v, want ErrInvalidCookie", name, err)
		}
	}
	if _, _, err := wrong.Open(vectorRaw); !errors.Is(err, session.ErrInvalidCookie) {
		t.Errorf("wrong key: Open error %v, want ErrInvalidCookie", err)
	}
}

func TestRotation(t *testing.T) {
	newKey, _ := GenerateKey()
	old, _ := NewBox(vectorKey)
	rotated, _ := NewBox(newKey, vectorKey)
	sealedOld, _ := old.Seal([]byte(`{"a":1}`))
	if plain, stale, err := rotated.Open(sealedOld); err != nil || !stale || string(plain) != `{"a":1}` {
		t.Fatalf("old-key cookie: %q, stale=%v, %v; want it opened and stale", plain, stale, err)
	}
	sealedNew, _ := rotated.Seal([]byte(`{"a":2}`))
	if _, stale, err := rotated.Open(sealedNew); err != nil || stale {
		t.Fatalf("new-key cookie: stale=%v, %v", stale, err)
	}
	if _, _, err := old.Open(sealedNew); err == nil {
		t.Fatal("a cookie sealed with the new key opened with the old one alone")
	}
}

func TestSealFreshNonce(t *testing.T) {
	b, _ := NewBox(vectorKey)
	x, _ := b.Seal([]byte("same"))
	y, _ := b.Seal([]byte("same"))
	if x == y {
		t.Fatal("two seals of the same data are identical: the nonce is not fresh")
	}
}

func TestNodeBase64(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aGVsbG8=", "hello"},
		{"aGVsbG8", "hello"},
		{"aGV sbG8", "hello"},
		{"aGVsbG8=garbage", "hello"},
		{"-_-_", "\xfb\xff\xbf"},
		{"+/+/", "\xfb\xff\xbf"},
		{"aGVsbG8hA", "hello!"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(nodeBase64(tt.in)); got != tt.want {
			t.Errorf("nodeBase64(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(vectorRaw)
	f.Add(strings.NewReplacer("+", "-", "/", "_").Replace(vectorRaw))
	f.Add(";")
	f.Add("AAAA;gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaX")
	b, _ := NewBox(vectorKey)
	f.Fuzz(func(t *testing.T, v string) {
		plain, _, err := b.Open(v)
		if err != nil {
			if !errors.Is(err, session.ErrInvalidCookie) {
				t.Fatalf("Open(%q) error %v does not wrap ErrInvalidCookie", v, err)
			}
			return
		}
		// Only a genuine box opens: re-sealing and opening round-trips.
		again, err := b.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if p2, _, err := b.Open(again); err != nil || string(p2) != string(plain) {
			t.Fatalf("round trip of %q failed", plain)
		}
	})
}
