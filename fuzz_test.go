package session

import (
	"bytes"
	"net/http"
	"testing"
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
		id, err := unsignValue(v, secrets)
		if err != nil {
			return
		}
		// Anything accepted must be exactly what one of the secrets signs.
		if v != signedValue(id, secrets[0]) && v != signedValue(id, secrets[1]) {
			t.Fatalf("accepted %q as %q, which is not its signature", v, id)
		}
	})
}

func FuzzCookieValue(f *testing.F) {
	for _, s := range cookieSeeds {
		f.Add("a=1; connect.sid=" + s + "; b=2")
	}
	f.Add("connect.sid")
	f.Add(";;=;connect.sid=\"")
	f.Fuzz(func(t *testing.T, header string) {
		v, ok := cookieValue(http.Header{"Cookie": {header}}, "connect.sid")
		if !ok && v != "" {
			t.Fatalf("not found but value %q", v)
		}
		if len(v) > len(header) {
			t.Fatalf("value %q longer than the header %q", v, header)
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"cookie":{"originalMaxAge":60000,"expires":"2026-11-23T18:23:02.790Z","httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`))
	f.Add([]byte(`{"cookie":{"originalMaxAge":null,"expires":null,"secure":null,"httpOnly":true,"domain":null,"path":"/","sameSite":true},"a":{"b":[1,"x",null]}}`))
	f.Add([]byte(`{"cookie":null,"__created":1700000000000}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			return
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
