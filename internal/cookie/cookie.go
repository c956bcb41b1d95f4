// Package cookie reads a request's Cookie header and percent-codes cookie
// values byte for byte as express-session's cookie package (0.7.2) and
// JavaScript's encodeURIComponent and decodeURIComponent do.
package cookie

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Sent returns the value of the first cookie called name in the request's
// Cookie headers as express-session's cookie package (0.7.2) reads it,
// before percent-decoding: surrounding spaces and tabs trimmed and one
// pair of double quotes stripped. Decode it with Decode.
func Sent(h http.Header, name string) (string, bool) {
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

// Decode decodes s as JavaScript's decodeURIComponent would,
// returning s unchanged when it has no "%" or when JavaScript would throw
// (a malformed escape or invalid UTF-8).
func Decode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(d) {
		return s
	}
	return d
}

// Encode encodes s exactly as JavaScript's encodeURIComponent:
// everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) is percent-encoded as UTF-8
// bytes with upper-case hex. (url.QueryEscape differs: it escapes !*'()
// and turns a space into "+".)
func Encode(s string) string {
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

// unreserved marks the bytes Encode leaves as they are.
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
