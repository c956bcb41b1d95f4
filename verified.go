package session

import (
	"strings"

	"github.com/sessionkit/session/internal/slots"
)

// verifiedCache keeps the latest session tokens whose signature a Manager
// verified, as the client sent them (a cookie before percent-decoding),
// with the session ID each names: a returning visitor sends the same
// token again and again, and its HMAC is not computed again. Only tokens
// that verified enter; the slots are chosen by a keyed hash and the whole
// token compared in constant time, so a client learns nothing about a
// token held, and a forged one always goes through Unsign. The Manager's
// secrets never change, so an entry never goes stale.
type verifiedCache struct{ *slots.Table[verifiedEntry] }

type verifiedEntry struct {
	sent string // the token as sent, a copy (not the request's header)
	id   string
}

func newVerifiedCache() verifiedCache { return verifiedCache{slots.New[verifiedEntry](cacheSlots)} }

// get returns the session ID of the token sent, when the cache holds it.
func (c verifiedCache) get(sent string) (string, bool) {
	if e := c.Find(sent, func(e *verifiedEntry) bool { return constantTimeEqual(e.sent, sent) }); e != nil {
		return e.id, true
	}
	return "", false
}

// put keeps id, verified from the token sent.
func (c verifiedCache) put(sent, id string) {
	sent = strings.Clone(sent) // not a slice of the request's Cookie header: it may be long
	c.Keep(sent, &verifiedEntry{sent: sent, id: id}, func(e *verifiedEntry) bool { return e.sent == sent })
}
