package session

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestPatchApply(t *testing.T) {
	base := `{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"a":1,"b":"x","n":7}`
	tests := []struct {
		name   string
		stored string
		p      *Patch
		want   string
		err    error
	}{
		{"set delete add", base,
			newTestPatch(map[string]json.RawMessage{"c": json.RawMessage(`[1]`), "a": json.RawMessage(`2`)}, []string{"b", "missing"}, map[string]int64{"n": 3, "new": -1}, nil),
			`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"a":2,"c":[1],"n":10,"new":-1}`, nil},
		{"no record", "", newTestPatch(nil, nil, map[string]int64{"visits": 1}, nil),
			`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`, nil},
		{"null counts as zero", `{"visits":null}`, newTestPatch(nil, nil, map[string]int64{"visits": 2}, nil),
			`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":2}`, nil},
		{"not an integer", base, newTestPatch(nil, nil, map[string]int64{"b": 1}, nil), "", ErrNotInteger},
		{"fraction", `{"v":1.5}`, newTestPatch(nil, nil, map[string]int64{"v": 1}, nil), "", ErrNotInteger},
		{"corrupt record", `[1,2]`, newTestPatch(nil, nil, nil, nil), "", ErrCorruptRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Apply([]byte(tt.stored))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Apply error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Apply = %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}

// TestPlainIntAgreesWithJSON checks the allocation-free integer parser
// against encoding/json on the inputs it accepts and the ones it leaves
// to encoding/json.
func TestPlainIntAgreesWithJSON(t *testing.T) {
	for _, in := range []string{
		"0", "-0", "7", "-7", "42", "999999999999999999", "-999999999999999999",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"01", "-", "", "1.0", "1e3", " 1", "1 ", "+1", "\"1\"", "true",
	} {
		got, gotErr := intValue(json.RawMessage(in))
		var want int64
		wantErr := json.Unmarshal([]byte(in), &want)
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Errorf("intValue(%q) = %d, %v; encoding/json gives %d, %v", in, got, gotErr, want, wantErr)
		}
	}
}
