package session

import "testing"

// The verified-token cache answers only for the very token it was given:
// an entry for a look-alike token sitting in a token's slots is not
// taken for it.
func TestVerifiedCacheComparesTheWholeToken(t *testing.T) {
	c := newVerifiedCache()
	const good = "s%3Aabc.signature"
	c.put(good, "abc")
	if id, ok := c.get(good); !ok || id != "abc" {
		t.Fatalf("get(good) = %q, %v", id, ok)
	}
	for _, other := range []string{"s%3Aabc.signaturf", "s%3Aabc.signatur", "s%3Aabc.signature ", "", "s%3Aabd.signature"} {
		a, b := c.Pair(other)
		a.Store(&verifiedEntry{sent: good, id: "abc"})
		b.Store(&verifiedEntry{sent: good, id: "abc"})
		if id, ok := c.get(other); ok {
			t.Fatalf("get(%q) = %q: a look-alike of a cached token was taken for it", other, id)
		}
	}
}
