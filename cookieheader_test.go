package session

import (
	"net/http"
	"testing"
	"time"
)

func TestEncodeURIComponent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc-_.!~*'()", "abc-_.!~*'()"},
		{"s:a+b/c=", "s%3Aa%2Bb%2Fc%3D"},
		{"a b;c", "a%20b%3Bc"},
		{"é", "%C3%A9"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := encodeURIComponent(tt.in); got != tt.want {
			t.Errorf("encodeURIComponent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCookieValue(t *testing.T) {
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
			got, ok := cookieValue(h, "connect.sid")
			if got != tt.want || ok != tt.ok {
				t.Fatalf("cookieValue(%q) = %q, %v; want %q, %v", tt.headers, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSetCookieString(t *testing.T) {
	exp := time.Date(2026, 11, 23, 18, 23, 2, 0, time.UTC)
	tests := []struct {
		name string
		c    setCookie
		want string
	}{
		{
			"express worked example",
			setCookie{name: "connect.sid", value: "s%3Adef.D5tqJuMRcHQkto7ksMapkUpgo%2BGWKJkhI1UcK8Wk6%2FI",
				path: "/", expires: exp, httpOnly: true, sameSite: SameSiteLax},
			"connect.sid=s%3Adef.D5tqJuMRcHQkto7ksMapkUpgo%2BGWKJkhI1UcK8Wk6%2FI; Path=/; Expires=Mon, 23 Nov 2026 18:23:02 GMT; HttpOnly; SameSite=Lax",
		},
		{
			"every attribute in order",
			setCookie{name: "n", value: "v", domain: "example.com", path: "/app", expires: exp, httpOnly: true,
				secure: true, partitioned: true, priority: PriorityHigh, sameSite: SameSiteNone},
			"n=v; Domain=example.com; Path=/app; Expires=Mon, 23 Nov 2026 18:23:02 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None",
		},
		{
			"omitted samesite",
			setCookie{name: "n", value: "v", path: "/", sameSite: SameSiteOmit},
			"n=v; Path=/",
		},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
