package session

import (
	"fmt"
	"testing"
)

// With two slots a key, 1,000 records in the cache of 4,096 slots almost
// all stay: with one slot a key about 11 % are evicted by a later key
// sharing the slot, and a visitor among 1,000 rotating ones would often
// have its record decoded again.
func TestDecodedCacheKeepsAThousand(t *testing.T) {
	c := newDecodedCache()
	const n = 1000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%d", i)
		c.put(ids[i], []byte(ids[i]), &record{})
	}
	hits := 0
	for _, id := range ids {
		if _, ok := c.get(id, []byte(id)); ok {
			hits++
		}
	}
	t.Logf("%d of %d records still cached", hits, n)
	if hits < 950 {
		t.Fatalf("%d of %d records still cached, want at least 950", hits, n)
	}
	// A changed record replaces its key's entry rather than taking the
	// key's other slot: it is found, and the old bytes are not.
	c.put(ids[0], []byte("changed"), &record{})
	if _, ok := c.get(ids[0], []byte("changed")); !ok {
		t.Fatal("the changed record is not cached")
	}
	if _, ok := c.get(ids[0], []byte(ids[0])); ok {
		t.Fatal("the record before the change is still cached")
	}
}
