// Package memstore is an in-memory session.Store for tests and
// single-process apps. Unlike express-session's MemoryStore it never leaks:
// expired records are swept in the background, and the number of records
// is capped, evicting those closest to expiry first.
package memstore

import (
	"bytes"
	"container/heap"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sessionkit/session"
)

// DefaultMaxSessions is the cap used when Options.MaxSessions is zero.
const DefaultMaxSessions = 100_000

// DefaultSweepInterval is how often expired records are removed when
// Options.SweepInterval is zero.
const DefaultSweepInterval = time.Minute

// sweepBatch bounds how many records one sweep removes while holding the
// lock, so requests are not stalled behind a large sweep.
const sweepBatch = 1024

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// MaxSessions caps the number of records. At the cap, a new record
	// evicts the one closest to expiry (logged once per Store). Zero means
	// DefaultMaxSessions; a negative value means no cap.
	MaxSessions int
	// SweepInterval is the time between sweeps of expired records. Zero
	// means DefaultSweepInterval.
	SweepInterval time.Duration
	// Now returns the current time; tests set it to control expiry. Zero
	// means time.Now.
	Now func() time.Time
	// Logger receives the eviction warning. Zero means slog.Default().
	Logger *slog.Logger
	// UserKey is the session key a sign-in is kept under, for
	// UserSessions; zero means session.DefaultUserKey ("passport"). Give
	// the Manager's Options.UserKey when it is not the default.
	UserKey string
}

// Store is an in-memory session.Store, session.Toucher and
// session.Patcher. It is safe for concurrent use. Call Close to stop its
// sweeper. Every call returns ctx.Err() when ctx is already done.
type Store struct {
	mu      sync.RWMutex
	items   map[string]*item
	peak    int // most items since items was made: what its table is sized for
	byExp   expiryHeap
	max     int
	now     func() time.Time
	log     *slog.Logger
	warned  bool
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once

	// users indexes the signed-in sessions by user, under mu with items,
	// so it never disagrees with them. The user is read from the record
	// on writes and removals, not kept in each item: anonymous sessions
	// pay one substring search and no memory.
	users   map[string]map[string]struct{}
	userKey string
	keyTag  []byte // `"<UserKey>"`: a record without it has no user
}

// item is one record. It is kept small: with 100,000 sessions every byte
// here is 100 KB.
type item struct {
	id      string
	data    []byte
	expires int64 // Unix nanoseconds
	index   int   // position in byExp
}

// New returns a Store with its sweeper running.
func New(o Options) *Store {
	if o.MaxSessions == 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = DefaultSweepInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.UserKey == "" {
		o.UserKey = session.DefaultUserKey
	}
	s := &Store{
		users:   make(map[string]map[string]struct{}),
		userKey: o.UserKey,
		keyTag:  []byte(`"` + o.UserKey + `"`),
		items:   make(map[string]*item),
		max:     o.MaxSessions,
		now:     o.Now,
		log:     o.Logger,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go s.sweepEvery(o.SweepInterval)
	return s
}

// Get returns the record under id, or session.ErrNotFound when there is
// none or it has expired.
func (s *Store) Get(ctx context.Context, id string) ([]byte, error) {
	b, _, err := s.GetExpiry(ctx, id)
	return b, err
}

// GetExpiry is Get, also returning the record's expiry
// (session.ExpiryReader).
func (s *Store) GetExpiry(ctx context.Context, id string) ([]byte, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	s.mu.RLock()
	it, ok := s.items[id]
	var data []byte
	var exp int64
	if ok && s.now().UnixNano() < it.expires {
		data, exp = it.data, it.expires
	} else {
		ok = false
	}
	s.mu.RUnlock()
	if !ok {
		return nil, time.Time{}, session.ErrNotFound
	}
	return data, time.Unix(0, exp), nil
}

// Set stores record under id until expires. A record that has already
// expired is deleted instead. The Store keeps the slice.
func (s *Store) Set(ctx context.Context, id string, record []byte, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(now, id, record, expires)
	return nil
}

// Patch applies p to the live record under id (none is an empty record)
// and stores the result until expires, so that concurrent patches of one
// session all take effect. It returns the very slice it stores, so the
// session Manager recognises the record when it is read again. p.Apply runs outside the store's lock; the
// result is stored only if the record is still the one it was applied
// to, and otherwise applied again to the newer one (after a few tries,
// under the lock).
func (s *Store) Patch(ctx context.Context, id string, p *session.Patch, expires time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for range optimisticPatches {
		now := s.now()
		s.mu.RLock()
		cur := s.liveLocked(id, now)
		s.mu.RUnlock()
		merged, err := p.Apply(cur)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if sameRecord(s.liveLocked(id, now), cur) {
			kept := s.setLocked(now, id, merged, expires)
			s.mu.Unlock()
			return kept, nil
		}
		s.mu.Unlock()
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	merged, err := p.Apply(s.liveLocked(id, now))
	if err != nil {
		return nil, err
	}
	return s.setLocked(now, id, merged, expires), nil
}

// optimisticPatches is how many times Patch applies a patch outside the
// lock before it holds the lock while it applies.
const optimisticPatches = 3

// liveLocked returns the record under id, or nil when there is none or
// it has expired.
func (s *Store) liveLocked(id string, now time.Time) []byte {
	if it, ok := s.items[id]; ok && now.UnixNano() < it.expires {
		return it.data
	}
	return nil
}

// sameRecord reports whether a and b are the same stored record (the
// same slice: stored records are never modified, only replaced).
func sameRecord(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// setLocked stores record under id until expires and returns the slice
// it keeps (a trimmed copy of record when record has room to spare).
func (s *Store) setLocked(now time.Time, id string, record []byte, expires time.Time) []byte {
	if !now.Before(expires) {
		s.removeLocked(id)
		return record
	}
	if cap(record)-len(record) > 8 {
		// Keep only what the record needs: a patched record comes in a
		// buffer with room to grow.
		record = append(make([]byte, 0, len(record)), record...)
	}
	if it, ok := s.items[id]; ok {
		if old, now := s.userOf(it.data), s.userOf(record); old != now {
			s.unindexLocked(old, id)
			s.indexLocked(now, id)
		}
		it.data, it.expires = record, expires.UnixNano()
		heap.Fix(&s.byExp, it.index)
		return record
	}
	if s.max > 0 && len(s.items) >= s.max {
		s.sweepLocked(now, len(s.items))
		for len(s.items) >= s.max {
			if !s.warned {
				s.warned = true
				s.log.Warn("memstore: MaxSessions reached; evicting the sessions closest to expiry",
					"max", s.max)
			}
			s.removeLocked(s.byExp[0].id)
		}
	}
	it := &item{id: id, data: record, expires: expires.UnixNano()}
	s.indexLocked(s.userOf(record), id)
	s.items[id] = it
	s.peak = max(s.peak, len(s.items))
	heap.Push(&s.byExp, it)
	return record
}

// InMemory reports true: every call completes in memory, so the session
// Manager calls the store without a timeout context (session.InMemory).
func (s *Store) InMemory() bool { return true }

// Touch moves the expiry of the record under id. A missing record is not
// an error: it has expired or been destroyed, and stays gone. A record
// that has expired but not been swept yet counts as missing (Get already
// reports it gone), and a Touch to an expiry already past deletes it, as
// Set does.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return nil
	}
	if now.UnixNano() >= it.expires || !now.Before(expires) {
		s.removeLocked(id)
		return nil
	}
	it.expires = expires.UnixNano()
	heap.Fix(&s.byExp, it.index)
	return nil
}

// Destroy deletes the record under id.
func (s *Store) Destroy(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(id)
	return nil
}

// Len returns the number of records held, expired ones not yet swept
// included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

// Sweep removes every expired record now and returns how many it removed.
// The background sweeper calls it; tests may too.
func (s *Store) Sweep() int {
	total := 0
	for {
		s.mu.Lock()
		n := s.sweepLocked(s.now(), sweepBatch)
		s.mu.Unlock()
		total += n
		if n < sweepBatch {
			return total
		}
	}
}

// Close stops the sweeper. The Store keeps answering calls.
func (s *Store) Close() error {
	s.closing.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweepEvery(d time.Duration) {
	defer close(s.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// sweepLocked removes up to limit expired records, earliest first.
func (s *Store) sweepLocked(now time.Time, limit int) int {
	n := 0
	for n < limit && len(s.byExp) > 0 && now.UnixNano() >= s.byExp[0].expires {
		s.removeLocked(s.byExp[0].id)
		n++
	}
	s.shrinkLocked() // after expiries, and after Destroys
	return n
}

// shrinkLocked gives memory back once most sessions are gone: a Go map
// never shrinks, nor does a slice's array, so when the store holds under
// a quarter of what they were sized for, they are copied into new ones of
// the right size.
func (s *Store) shrinkLocked() {
	n := len(s.items)
	if s.peak < 1024 || n > s.peak/4 {
		return
	}
	items := make(map[string]*item, n)
	for id, it := range s.items {
		items[id] = it
	}
	s.items, s.peak = items, n
	users := make(map[string]map[string]struct{}, len(s.users))
	maps.Copy(users, s.users)
	s.users = users
	s.byExp = slices.Clip(append(make(expiryHeap, 0, n), s.byExp...))
}

func (s *Store) removeLocked(id string) {
	it, ok := s.items[id]
	if !ok {
		return
	}
	delete(s.items, id)
	heap.Remove(&s.byExp, it.index)
	s.unindexLocked(s.userOf(it.data), id)
}

// userOf returns the user signed in to record, "" for none.
func (s *Store) userOf(record []byte) string {
	if !bytes.Contains(record, s.keyTag) {
		return ""
	}
	u, _ := session.RecordUser(record, s.userKey)
	return u
}

func (s *Store) indexLocked(user, id string) {
	if user == "" {
		return
	}
	ids := s.users[user]
	if ids == nil {
		ids = make(map[string]struct{}, 1)
		s.users[user] = ids
	}
	ids[id] = struct{}{}
}

func (s *Store) unindexLocked(user, id string) {
	if ids := s.users[user]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(s.users, user)
		}
	}
}

// UserSessions returns the live records user is signed in to
// (session.UserIndex), from an index kept under the same lock as the
// records: it costs a map lookup, whatever the number of sessions. It
// returns ctx.Err() when ctx is done.
func (s *Store) UserSessions(ctx context.Context, user string) ([]session.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now().UnixNano()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.users[user]
	out := make([]session.StoredSession, 0, len(ids))
	for id := range ids {
		if it := s.items[id]; it != nil && now < it.expires {
			out = append(out, session.StoredSession{ID: id, Record: it.data, Expires: time.Unix(0, it.expires)})
		}
	}
	return out, nil
}

// expiryHeap orders items by expiry, earliest first.
type expiryHeap []*item

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires < h[j].expires }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	it := x.(*item)
	it.index = len(*h)
	*h = append(*h, it)
}
func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
