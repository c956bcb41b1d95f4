package memstore

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
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

// Store is an in-memory session.Store, session.Toucher, session.Patcher
// and session.UserIndex. It is safe for concurrent use. Call Close to stop its
// sweeper. Every call returns ctx.Err() when ctx is already done.
//
// A Store keeps each record in a few dozen bytes besides the record's
// own, most of them outside the Go heap (see entry, slabs and
// templates), and copies records in and out: a record passed to Set
// may be reused by the caller, and one returned by Get is the caller's.
type Store struct {
	mu sync.RWMutex
	// std files the entries of standard session IDs (kept as their 24
	// bytes in the entries), other those of any other ID, whose string
	// otherIDs keeps.
	std      idTable
	other    map[string]uint32
	otherIDs map[uint32]string
	ents     entryTable
	recs     slabs
	tmpls    templates
	mem      *chunks // where ents and recs take their memory
	writes   uint64  // records written: stamps entry.ver
	peak     int     // most records since the maps were made: what their tables are sized for
	byExp    []uint32
	max      int
	now      func() time.Time
	log      *slog.Logger
	warned   bool
	stop     chan struct{}
	done     chan struct{}
	closing  sync.Once

	// users indexes the signed-in sessions by user, under mu with the
	// records, so it never disagrees with them. The user is read from
	// the record on writes and removals, not kept in each entry (only a
	// flag that there is one): anonymous sessions pay one substring
	// search and no memory.
	users   map[string]map[string]struct{}
	userKey string
	keyTag  []byte // `"<UserKey>"`: a record without it has no user
	scratch []byte // a record rebuilt to find its user
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
		users:    make(map[string]map[string]struct{}),
		userKey:  o.UserKey,
		keyTag:   []byte(`"` + o.UserKey + `"`),
		std:      newIDTable(),
		other:    make(map[string]uint32),
		otherIDs: make(map[uint32]string),
		tmpls:    newTemplates(),
		mem:      new(chunks),
		max:      o.MaxSessions,
		now:      o.Now,
		log:      o.Logger,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	// The off-heap memory goes back when the Store is collected (its
	// sweeper, until Close, keeps it reachable).
	runtime.AddCleanup(s, (*chunks).release, s.mem)
	go s.sweepEvery(o.SweepInterval)
	return s
}

// Get returns the record under id and when the store forgets it, or
// session.ErrNotFound when there is none or it has expired. The record is
// a new copy: the caller may keep it, and the Store never changes it.
func (s *Store) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	now := s.now().UnixNano()
	s.mu.RLock()
	var data []byte
	var exp int64
	i, ok := s.lookupLocked(id)
	if ok {
		if e := s.ents.at(i); now < e.expires {
			data, exp = s.recordLocked(e), e.expires
		} else {
			ok = false
		}
	}
	s.mu.RUnlock()
	if !ok {
		return nil, time.Time{}, session.ErrNotFound
	}
	return data, time.Unix(0, exp), nil
}

// Set stores record under id until expires. A record that has already
// expired is deleted instead. The Store keeps a copy: the caller may
// reuse record.
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
// session all take effect. It returns the record it stored; the Store
// keeps a copy, and a later Get returns the same bytes, so the session
// Manager recognises the record when it is read again. p.Apply runs
// outside the store's lock; the result is stored only if the record is
// still the one it was applied to (the same write: see entry.ver), and
// otherwise applied again to the newer one (after a few tries, under the
// lock). When p has a base (the session was loaded from a record) and no
// live record is left under id, Patch returns session.ErrNotFound and
// writes nothing (see session.Patcher).
func (s *Store) Patch(ctx context.Context, id string, p *session.Patch, expires time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for range optimisticPatches {
		now := s.now()
		s.mu.RLock()
		cur, ver := s.liveLocked(id, now, true)
		s.mu.RUnlock()
		if ver == 0 && p.Base() != nil {
			return nil, session.ErrNotFound // the record the session was loaded from is gone
		}
		merged, err := p.Apply(cur)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if _, v := s.liveLocked(id, now, false); v == ver {
			s.setLocked(now, id, merged, expires)
			s.mu.Unlock()
			return merged, nil
		}
		s.mu.Unlock()
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ver := s.liveLocked(id, now, true)
	if ver == 0 && p.Base() != nil {
		return nil, session.ErrNotFound
	}
	merged, err := p.Apply(cur)
	if err != nil {
		return nil, err
	}
	s.setLocked(now, id, merged, expires)
	return merged, nil
}

// optimisticPatches is how many times Patch applies a patch outside the
// lock before it holds the lock while it applies.
const optimisticPatches = 3

// liveLocked returns the write that stored the record under id (0 when
// there is none or it has expired) and, when copy is set, a copy of the
// record.
func (s *Store) liveLocked(id string, now time.Time, copy bool) ([]byte, uint64) {
	i, ok := s.lookupLocked(id)
	if !ok {
		return nil, 0
	}
	e := s.ents.at(i)
	if now.UnixNano() >= e.expires {
		return nil, 0
	}
	if !copy {
		return nil, e.ver
	}
	return s.recordLocked(e), e.ver
}

// setLocked stores a copy of record under id until expires.
func (s *Store) setLocked(now time.Time, id string, record []byte, expires time.Time) {
	if !now.Before(expires) {
		s.removeLocked(id)
		return
	}
	user := s.userOf(record)
	s.writes++
	if i, ok := s.lookupLocked(id); ok {
		e := s.ents.at(i)
		if old := s.userOfLocked(i); old != user {
			s.unindexLocked(old, id)
			s.indexLocked(user, id)
		}
		s.dropRecordLocked(e)
		s.putRecordLocked(e, record)
		e.expires, e.ver = expires.UnixNano(), s.writes
		e.flags = e.flags&^hasUser | userFlag(user)
		s.heapFix(int(e.pos))
		return
	}
	if s.max > 0 && s.countLocked() >= s.max {
		s.sweepLocked(now, s.countLocked())
		for s.countLocked() >= s.max {
			if !s.warned {
				s.warned = true
				s.log.Warn("memstore: MaxSessions reached; evicting the sessions closest to expiry",
					"max", s.max)
			}
			s.removeEntryLocked(s.byExp[0])
		}
	}
	i := s.ents.alloc(s.mem)
	s.addIDLocked(id, i)
	e := s.ents.at(i)
	s.putRecordLocked(e, record)
	e.expires, e.ver = expires.UnixNano(), s.writes
	e.flags |= userFlag(user)
	s.indexLocked(user, id)
	s.peak = max(s.peak, s.countLocked())
	s.heapPush(i)
}

// userFlag is hasUser when user is not "".
func userFlag(user string) uint8 {
	if user == "" {
		return 0
	}
	return hasUser
}

// InMemory reports true: every call completes in memory, so the session
// Manager calls the store without a timeout context (see session.Store).
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
	i, ok := s.lookupLocked(id)
	if !ok {
		return nil
	}
	e := s.ents.at(i)
	if now.UnixNano() >= e.expires || !now.Before(expires) {
		s.removeEntryLocked(i)
		return nil
	}
	e.expires = expires.UnixNano()
	s.heapFix(int(e.pos))
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

// OffHeapBytes returns the bytes of memory the Store holds outside the Go
// heap: its records and their metadata, in chunks of 64 KiB mapped from
// the system (on Unix; elsewhere the chunks are Go memory, and counted
// there). runtime.MemStats does not count them; the process's resident
// memory does.
func (s *Store) OffHeapBytes() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.mem.mapped) * chunkSize
}

// Len returns the number of records held, expired ones not yet swept
// included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.countLocked()
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
	for n < limit && len(s.byExp) > 0 && now.UnixNano() >= s.expiresAt(0) {
		s.removeEntryLocked(s.byExp[0])
		n++
	}
	s.shrinkLocked() // after expiries, and after Destroys
	return n
}

// removeLocked deletes the record under id, if any.
func (s *Store) removeLocked(id string) {
	if i, ok := s.lookupLocked(id); ok {
		s.removeEntryLocked(i)
	}
}

// removeEntryLocked deletes entry i and its record.
func (s *Store) removeEntryLocked(i uint32) {
	e := s.ents.at(i)
	if e.flags&hasUser != 0 {
		s.unindexLocked(s.userOfLocked(i), s.idOfLocked(i))
	}
	s.heapRemove(int(e.pos))
	s.dropIDLocked(i)
	s.dropRecordLocked(e)
	s.ents.release(i)
}

// userOfLocked returns the user signed in to the record of entry i.
func (s *Store) userOfLocked(i uint32) string {
	e := s.ents.at(i)
	if e.flags&hasUser == 0 {
		return ""
	}
	s.scratch = s.appendRecordLocked(s.scratch[:0], e)
	return s.userOf(s.scratch)
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

// UserKey returns the session key the store finds a sign-in under
// (session.UserIndex): its Options.UserKey, "passport" by default. The
// Manager refuses a store whose UserKey is not its own.
func (s *Store) UserKey() string { return s.userKey }

// UserSessions returns the live records user is signed in to
// (session.UserIndex), from an index kept under the same lock as the
// records: it costs a map lookup, whatever the number of sessions. The
// records are new copies. It returns ctx.Err() when ctx is done.
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
		if i, ok := s.lookupLocked(id); ok {
			if e := s.ents.at(i); now < e.expires {
				out = append(out, session.StoredSession{ID: id, Record: s.recordLocked(e), Expires: time.Unix(0, e.expires)})
			}
		}
	}
	return out, nil
}
