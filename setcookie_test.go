package session

import (
	"testing"
	"time"
)

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
