package session

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sessionkit/session/internal/cookie"
)

// The header transport (Options.Header): the signed session ID travels in
// a request and response header instead of a cookie, for API and mobile
// clients that keep no cookie jar (Spring Session's
// HeaderHttpSessionIdResolver, fiber's KeyLookup "header:...").
//
// The token is the cookie's value before percent-encoding, byte for byte:
// "s:" + ID + "." + HMAC-SHA256 (unpadded standard base64), verified with
// every secret, limited to the cookie's 4096 bytes. Everything else is the
// cookie transport's: the same stores and records, the same decisions of
// when to save and when to send (a new session gets its token when it is
// saved; Rolling re-sends it), the same Observer events.

// headerDefaults validates o.Header and canonicalizes it, and makes
// GenerateID refuse IDs a header cannot carry. It returns an error
// wrapping ErrInvalidOption for a name that is not an HTTP token or that
// names a header the transport itself reads or writes.
func (o *Options) headerDefaults() error {
	if o.Header == "" {
		return nil
	}
	if !tokenRE.MatchString(o.Header) {
		return fmt.Errorf("%w: header name %q is not an HTTP token", ErrInvalidOption, o.Header)
	}
	o.Header = http.CanonicalHeaderKey(o.Header)
	switch o.Header {
	case "Cookie", "Set-Cookie", "Cache-Control", "Vary", "Authorization":
		return fmt.Errorf("%w: header name %q is reserved", ErrInvalidOption, o.Header)
	}
	gen := o.GenerateID
	o.GenerateID = func(r *http.Request) (string, error) {
		id, err := gen(r)
		if err != nil {
			return "", err
		}
		if !headerSafe(id) {
			return "", fmt.Errorf("%w: GenerateID returned an ID with bytes outside visible ASCII, which header %s cannot carry",
				ErrInvalidOption, o.Header)
		}
		return id, nil
	}
	return nil
}

// headerSafe reports whether id is made of visible ASCII (0x21 to 0x7E):
// what a header value carries unchanged, with nothing to trim or fold.
func headerSafe(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7E {
			return false
		}
	}
	return true
}

// requestToken returns the signed session ID r carries on m's transport,
// as sent: the Options.Header value when Header is set (cookies are then
// ignored), else the session cookie's value before percent-decoding
// (tokenValue decodes it). An empty header counts as absent, since it is
// what a destroy sends back.
func (m *Manager) requestToken(r *http.Request) (string, bool) {
	if m.opts.Header == "" {
		return cookie.Sent(r.Header, m.opts.Name)
	}
	vs := r.Header[m.opts.Header]
	if len(vs) == 0 {
		return "", false
	}
	v := strings.Trim(vs[0], " \t")
	return v, v != ""
}

// tokenValue returns the signed value of a token as requestToken returned
// it: a cookie's percent-decoded, a header's as it is.
func (m *Manager) tokenValue(sent string) string {
	if m.opts.Header == "" {
		return cookie.Decode(sent)
	}
	return sent
}

// addHeader sets the token header for the session, or, with expire, an
// empty one that tells the client to forget its token; either way the
// response must not be stored by a cache (Cache-Control: no-store,
// replacing the handler's) and varies with the token header.
func (s *serverSession) addHeader(h http.Header, expire bool) {
	name := s.m.opts.Header
	v := ""
	if !expire {
		v = signedValue(s.m.signer, s.id)
	}
	h[name] = []string{v}
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", name)
}
