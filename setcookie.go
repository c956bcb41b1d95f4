package session

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
