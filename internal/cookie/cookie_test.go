package cookie

import (
	"net/http"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc-_.!~*'()", "abc-_.!~*'()"},
		{"s:a+b/c=", "s%3Aa%2Bb%2Fc%3D"},
		{"a b;c", "a%20b%3Bc"},
		{"é", "%C3%A9"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Encode(tt.in); got != tt.want {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSentDecode(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		ok      bool
	}{
		{"plain", []string{"connect.sid=abc"}, "abc", true},
		{"percent decoded", []string{"connect.sid=s%3Aabc.x%2By"}, "s:abc.x+y", true},
		{"plus kept", []string{"connect.sid=a+b"}, "a+b", true},
		{"raw when malformed", []string{"connect.sid=a%zz"}, "a%zz", true},
		{"raw when not UTF-8", []string{"connect.sid=%ff%fe"}, "%ff%fe", true},
		{"quotes stripped", []string{`connect.sid="abc"`}, "abc", true},
		{"spaces trimmed", []string{"a=1;  connect.sid = abc ;b=2"}, "abc", true},
		{"first wins", []string{"connect.sid=one; connect.sid=two"}, "one", true},
		{"first header wins", []string{"x=1", "connect.sid=one", "connect.sid=two"}, "one", true},
		{"segment without =", []string{"junk; connect.sid=abc"}, "abc", true},
		{"value with =", []string{"connect.sid=a=b"}, "a=b", true},
		{"lone quote", []string{`connect.sid="`}, "", true},
		{"other name", []string{"connect.sidx=abc"}, "", false},
		{"absent", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Cookie": tt.headers}
			sent, ok := Sent(h, "connect.sid")
			got := Decode(sent)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Decode(Sent(%q)) = %q, %v; want %q, %v", tt.headers, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Seeds are real cookies: express-session's worked example, a Go-signed
// default ID, and the shapes attackers send.
var cookieSeeds = []string{
	"s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU",
	"s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU",
	"s%3AP2cf-ED_hwaHIsargia0IgbVp3CSWyOn.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"s:", "s:.", "%", "%ff%fe", `"s:abc.x"`, "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU=",
}

func FuzzValue(f *testing.F) {
	for _, s := range cookieSeeds {
		f.Add("a=1; connect.sid=" + s + "; b=2")
	}
	f.Add("connect.sid")
	f.Add(";;=;connect.sid=\"")
	f.Fuzz(func(t *testing.T, header string) {
		sent, ok := Sent(http.Header{"Cookie": {header}}, "connect.sid")
		v := Decode(sent)
		if !ok && v != "" {
			t.Fatalf("not found but value %q", v)
		}
		if len(sent) > len(header) || len(v) > len(sent) {
			t.Fatalf("value %q (sent %q) longer than the header %q", v, sent, header)
		}
		// What Encode writes, Decode reads back.
		if got := Decode(Encode(v)); got != v && utf8.ValidString(v) {
			t.Fatalf("Decode(Encode(%q)) = %q", v, got)
		}
	})
}
