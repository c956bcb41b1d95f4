// Package keylock serializes work on one key within a process, and keeps
// the last value written under the key while others wait for it: the
// stores' compare-and-set patches use it as their base, which is then
// fresh, so that concurrent requests of one session take one round trip
// each instead of failing their compare-and-set and retrying.
package keylock

import (
	"context"
	"sync"
)

// Locks is a set of per-key locks. The zero value is ready to use; it is
// safe for concurrent use. A key's entry exists only while someone holds
// or waits for its lock.
type Locks struct {
	mu sync.Mutex
	m  map[string]*Entry
}

// Entry is one key's lock, held between Lock and Unlock.
type Entry struct {
	sem  chan struct{} // holds a token while the lock is held
	refs int           // holders and waiters; guarded by Locks.mu
	// Last is the value the previous holder wrote under the key, nil
	// when unknown. It is read and written only by the holder.
	Last []byte
}

// Lock waits for key's lock and returns its entry, or returns ctx's error
// if ctx ends first.
func (l *Locks) Lock(ctx context.Context, key string) (*Entry, error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*Entry)
	}
	e := l.m[key]
	if e == nil {
		e = &Entry{sem: make(chan struct{}, 1)}
		l.m[key] = e
	}
	e.refs++
	l.mu.Unlock()
	select {
	case e.sem <- struct{}{}:
		return e, nil
	case <-ctx.Done():
		l.release(key, e)
		return nil, ctx.Err()
	}
}

func (l *Locks) release(key string, e *Entry) {
	l.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}

// Unlock releases key's lock, which e must hold. The entry, and its Last,
// are forgotten when nobody else waits.
func (l *Locks) Unlock(key string, e *Entry) {
	l.release(key, e)
	<-e.sem
}

// Len returns how many keys are locked or waited for.
func (l *Locks) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
