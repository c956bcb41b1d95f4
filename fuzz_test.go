package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/signature"
)

// Seeds are real cookies: express-session's worked example, a Go-signed
// default ID, and the shapes attackers send.
var cookieSeeds = []string{
	"s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU",
	"s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU",
	"s%3AP2cf-ED_hwaHIsargia0IgbVp3CSWyOn.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"s:", "s:.", "%", "%ff%fe", `"s:abc.x"`, "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU=",
}

func FuzzUnsignValue(f *testing.F) {
	for _, s := range cookieSeeds {
		f.Add(s)
	}
	secrets := []string{"keyboard cat", "second"}
	f.Fuzz(func(t *testing.T, v string) {
		id, err := unsignValue(signature.New(secrets...), v)
		if err != nil {
			return
		}
		// Anything accepted must be exactly what one of the secrets signs.
		if v != signedValue(signature.New(secrets[0]), id) && v != signedValue(signature.New(secrets[1]), id) {
			t.Fatalf("accepted %q as %q, which is not its signature", v, id)
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"cookie":{"originalMaxAge":60000,"expires":"2026-11-23T18:23:02.790Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`))
	f.Add([]byte(`{"cookie":{"originalMaxAge":null,"expires":null,"secure":null,"httpOnly":true,"domain":null,"path":"/","sameSite":true},"a":{"b":[1,"x",null]}}`))
	f.Add([]byte(`{"cookie":null,"__created":1700000000000}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(` {"cookie":{"PATH":"/a","path":null,"sameSite":"None","secure":"auto","priority":"HIGH"},"k\u00e9":[{"x":-0.5e+3}],"k\u00e9":true} `))
	f.Add([]byte(`{"cookie":{"originalMaxAge":"60"}}`))
	f.Add([]byte(`{"a":1,}`))
	f.Add([]byte(`{"a":"\ud800\x"}`))
	f.Add([]byte("{\"\xff\":01}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		// The hand-written scanner agrees with encoding/json on what is a
		// record and on what it holds.
		want, wantErr := decodeRecordStd(b)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeRecord(%q) error = %v, encoding/json's = %v", b, err, wantErr)
		}
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("decodeRecord(%q) error = %v, want ErrCorruptRecord", b, err)
			}
			return
		}
		c, wc := rec.cookie, want.cookie
		c.expires, wc.expires = time.Time{}, time.Time{}
		if c != wc || !rec.cookie.expires.Equal(want.cookie.expires) || rec.created != want.created || !slices.Equal(rec.keys, want.keys) {
			t.Fatalf("decodeRecord(%q) = %+v %d %q, encoding/json's %+v %d %q",
				b, rec.cookie, rec.created, rec.keys, want.cookie, want.created, want.keys)
		}
		for k, v := range want.vals {
			if !bytes.Equal(rec.vals[k], v) {
				t.Fatalf("decodeRecord(%q)[%q] = %s, encoding/json's %s", b, k, rec.vals[k], v)
			}
		}
		// Whatever decodes re-encodes to a record that decodes the same.
		enc := appendRecord(nil, &rec.cookie, rec.keys, rec.vals, rec.created)
		again, err := decodeRecord(enc)
		if err != nil {
			t.Fatalf("re-encoded record %s does not decode: %v", enc, err)
		}
		enc2 := appendRecord(nil, &again.cookie, again.keys, again.vals, again.created)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc, enc2)
		}
	})
}

// FuzzPatchApply checks that Apply's fast path (applyFlat) writes exactly
// what the decoding path writes, whenever it takes a record.
func FuzzPatchApply(f *testing.F) {
	f.Add([]byte(`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"visits":41}`), "user", []byte(`"alice"`), "visits", int64(1), "gone")
	f.Add([]byte(`{"visits":1,"cookie":{"path":"/"},"b":[1,{"x":2}],"a":null,"__created":1700000000000}`), "a", []byte(`{}`), "n", int64(-5), "b")
	f.Add([]byte(` { "z" : 1 , "y":"\u00e9" } `), "y", []byte(`2`), "z", int64(9), "")
	f.Add([]byte(`{"visits":"many","cookie":{}}`), "k", []byte(`true`), "visits", int64(1), "x")
	f.Add([]byte(`{"cookie":{"maxAge":"x"},"v":1}`), "k", []byte(`1`), "v", int64(1), "")
	f.Fuzz(func(t *testing.T, stored []byte, setKey string, setVal []byte, addKey string, delta int64, delKey string) {
		if !json.Valid(setVal) {
			return
		}
		p := newTestPatch(map[string]json.RawMessage{setKey: setVal}, []string{delKey}, map[string]int64{addKey: delta}, nil)
		if _, err := decodeRecord(stored); err == nil && len(setKey)%2 == 0 {
			p.base = stored // a base the session read: its cookie is trusted
		}
		flat, ok := p.applyFlat(stored)
		if !ok {
			return
		}
		want, err := p.applyDecoded(stored)
		if err != nil {
			t.Fatalf("applyFlat took %q, applyDecoded failed: %v", stored, err)
		}
		if !bytes.Equal(flat, want) {
			t.Fatalf("stored %q:\napplyFlat    %s\napplyDecoded %s", stored, flat, want)
		}
	})
}

// FuzzRecordUser checks RecordUser, which reads stored records a Node app
// may have written, against encoding/json: whatever user it finds is the
// one JSON.parse would, and it never panics.
func FuzzRecordUser(f *testing.F) {
	for _, s := range []string{
		`{"cookie":{},"passport":{"user":"alice"}}`, `{"passport":{"user":42}}`, `{"passport":{"user":"a\u0062"}}`,
		`{"passport":{}}`, `{"passport":{"user":null}}`, `{"passport":"x"}`, `[1]`, ``, `{"passport":{"user":"a","user":"b"}}`,
		`{"pass\u0070ort":{"\u0075ser":"x"}}`, "{\"passport\":{\"user\":\"\xff\"}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		got, ok := RecordUser(rec, "passport")
		var top map[string]json.RawMessage
		if json.Unmarshal(rec, &top) != nil {
			if ok {
				t.Fatalf("RecordUser(%q) = %q on a record encoding/json rejects", rec, got)
			}
			return
		}
		var pp map[string]json.RawMessage
		if json.Unmarshal(top["passport"], &pp) != nil || len(pp["user"]) == 0 {
			if ok {
				t.Fatalf("RecordUser(%q) = %q; encoding/json finds no user", rec, got)
			}
			return
		}
		var want string
		switch user := pp["user"]; user[0] {
		case '"':
			json.Unmarshal(user, &want)
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			want = string(user)
		}
		if got != want || ok != (want != "") {
			t.Fatalf("RecordUser(%q) = %q, %v; encoding/json finds %q", rec, got, ok, want)
		}
	})
}
