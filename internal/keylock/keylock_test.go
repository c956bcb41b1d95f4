package keylock

import (
	"context"
	"strconv"
	"sync"
	"testing"
)

// Holders of one key run one at a time and see what the previous one
// wrote; entries go away once nobody holds or waits.
func TestLocks(t *testing.T) {
	var l Locks
	const keys, each = 4, 200
	counts := make([]int, keys) // guarded by each key's lock
	var wg sync.WaitGroup
	for k := range keys {
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := strconv.Itoa(k)
				e, err := l.Lock(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				n := counts[k] // a data race here if two held the lock
				if e.Last != nil && string(e.Last) != strconv.Itoa(n) {
					t.Errorf("key %s: Last %s, count %d", key, e.Last, n)
				}
				counts[k] = n + 1
				e.Last = []byte(strconv.Itoa(n + 1))
				l.Unlock(key, e)
			}()
		}
	}
	wg.Wait()
	for k, n := range counts {
		if n != each {
			t.Errorf("key %d: %d of %d increments", k, n, each)
		}
	}
	if n := l.Len(); n != 0 {
		t.Errorf("%d entries left", n)
	}
}

// A waiter whose context ends gives up, and leaves no entry behind.
func TestLockContext(t *testing.T) {
	var l Locks
	e, err := l.Lock(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Lock(ctx, "k"); err != context.Canceled {
		t.Fatalf("Lock with an ended context: %v", err)
	}
	l.Unlock("k", e)
	if n := l.Len(); n != 0 {
		t.Errorf("%d entries left", n)
	}
}
