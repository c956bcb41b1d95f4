package session

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// cookieValue returns the value of the first cookie called name in the
// request's Cookie headers, decoded the way express-session's cookie
// package (0.7.2) decodes it: surrounding spaces and tabs trimmed, one pair
// of double quotes stripped, percent-decoded only when a "%" is present,
// and kept raw when that decoding fails.
func cookieValue(h http.Header, name string) (string, bool) {
	v, ok := cookieSent(h, name)
	return decodeURIComponent(v), ok
}

// cookieSent is cookieValue before percent-decoding: the value as sent,
// trimmed and unquoted.
func cookieSent(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(pair, "=")
			if !ok || trimSpaceTab(k) != name {
				continue
			}
			v = trimSpaceTab(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			} else if v == `"` {
				v = ""
			}
			return v, true
		}
	}
	return "", false
}

func trimSpaceTab(s string) string {
	return strings.Trim(s, " \t")
}

// decodeURIComponent decodes s as JavaScript's decodeURIComponent would,
// returning s unchanged when it has no "%" or when JavaScript would throw
// (a malformed escape or invalid UTF-8).
func decodeURIComponent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(d) {
		return s
	}
	return d
}

// encodeURIComponent encodes s exactly as JavaScript's encodeURIComponent:
// everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) is percent-encoded as UTF-8
// bytes with upper-case hex. (url.QueryEscape differs: it escapes !*'()
// and turns a space into "+".)
func encodeURIComponent(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !uriUnreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriUnreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func uriUnreserved(c byte) bool { return unreserved[c] }

// unreserved marks the bytes encodeURIComponent leaves as they are.
var unreserved = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = true
		case strings.IndexByte("-_.!~*'()", byte(c)) >= 0:
			t[c] = true
		}
	}
	return t
}()

// setCookie is one Set-Cookie header, serialized in the attribute order of
// express-session's cookie package (and @fastify/cookie's): Max-Age,
// Domain, Path, Expires, HttpOnly, Secure, Partitioned, Priority, SameSite.
type setCookie struct {
	name, value  string // value already encoded
	maxAge       int64  // seconds, sent when withMaxAge
	withMaxAge   bool
	domain, path string
	expires      time.Time // zero: none
	httpOnly     bool
	secure       bool
	partitioned  bool
	priority     Priority
	sameSite     SameSite
}

func (c *setCookie) String() string {
	var b strings.Builder
	b.Grow(len(c.name) + len(c.value) + 96)
	b.WriteString(c.name)
	b.WriteByte('=')
	b.WriteString(c.value)
	if c.withMaxAge {
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.FormatInt(c.maxAge, 10))
	}
	if c.domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(c.domain)
	}
	if c.path != "" {
		b.WriteString("; Path=")
		b.WriteString(c.path)
	}
	if !c.expires.IsZero() {
		b.WriteString("; Expires=")
		b.WriteString(c.expires.UTC().Format(http.TimeFormat))
	}
	if c.httpOnly {
		b.WriteString("; HttpOnly")
	}
	if c.secure {
		b.WriteString("; Secure")
	}
	if c.partitioned {
		b.WriteString("; Partitioned")
	}
	if c.priority != "" {
		b.WriteString("; Priority=")
		b.WriteString(string(c.priority))
	}
	switch c.sameSite {
	case SameSiteLax:
		b.WriteString("; SameSite=Lax")
	case SameSiteStrict:
		b.WriteString("; SameSite=Strict")
	case SameSiteNone:
		b.WriteString("; SameSite=None")
	}
	return b.String()
}
