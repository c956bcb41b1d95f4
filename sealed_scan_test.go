package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzScanSealed: the scanner that opens sealed data agrees with
// encoding/json, which it replaced, on what is a JSON object and on every
// member, "__ts" apart.
func FuzzScanSealed(f *testing.F) {
	for _, s := range []string{
		`{"__ts":1732700000,"visits":1}`,
		`{"visits":{"a":[1,"x",null]},"__ts":1.7e9,"__ts":5}`,
		` {"k\u00e9":true,"k\u00e9":false,"\u005f_ts":3} `,
		`{"a":1,}`, `[]`, `null`, `{"a":"\ud800\x"}`, "{\"\xff\":01}", `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		top, ts, err := scanSealed(b)
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal(b, &want)
		if wantErr == nil && want == nil {
			wantErr = errors.New("null")
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("scanSealed(%q) error %v, encoding/json's %v", b, err, wantErr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidCookie) {
				t.Fatalf("scanSealed(%q) error %v, want ErrInvalidCookie", b, err)
			}
			return
		}
		wantTS, hasTS := want["__ts"]
		delete(want, "__ts")
		if hasTS != (ts != nil) || !bytes.Equal(ts, wantTS) {
			t.Fatalf("scanSealed(%q) __ts %q, encoding/json's %q", b, ts, wantTS)
		}
		if len(top) != len(want) {
			t.Fatalf("scanSealed(%q) has %d members, encoding/json %d", b, len(top), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(top[k], v) {
				t.Fatalf("scanSealed(%q)[%q] = %s, encoding/json's %s", b, k, top[k], v)
			}
		}
	})
}
