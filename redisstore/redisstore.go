package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
// (Node: connect-redis's default prefix.)
const DefaultPrefix = "sess:"

// ErrConflict is returned (wrapped) by Patch when other writers changed
// the record before each of MaxPatchAttempts writes.
var ErrConflict = errors.New("redisstore: record changed by other writers")

// MaxPatchAttempts bounds how many times Patch retries a transaction that
// failed because another writer changed the record between its read and
// its write.
const MaxPatchAttempts = 100

// Options configures a Store. The zero value is ready to use. (Node: it
// matches connect-redis's defaults.)
type Options struct {
	// Prefix is prepended to the session ID to make the Redis key. Empty
	// means DefaultPrefix, "sess:", connect-redis's default; set the same
	// prefix as the Node app's RedisStore to share its sessions.
	Prefix string

	// DefaultTTL is how long a record is kept when the expiry passed to Set
	// or Patch is the zero time. Zero means session.DefaultStoreTTL (24
	// hours, connect-redis's ttl default of 86400 s). The Manager always
	// passes an expiry, so this only matters to other callers.
	DefaultTTL time.Duration

	// UserKey is the session key a sign-in is kept under, for the index
	// of sessions by user (UserSessions): it must be the Manager's
	// session.Options.UserKey. Empty means session.DefaultUserKey
	// ("passport", Passport's).
	UserKey string

	// WaitReplicas, when positive, makes every write (Set, Patch, Touch,
	// Destroy and the user index's updates) wait until at least this many
	// replicas have acknowledged it: Redis's WAIT, sent after the write on
	// the same connection (see the package documentation). When fewer
	// acknowledge within WaitTimeout, the call returns an error wrapping
	// ErrNotReplicated, and the Manager answers 503: the change is not
	// acknowledged to the client. Zero (the default) waits for nothing.
	WaitReplicas int

	// WaitTimeout bounds each wait for replicas. Zero means
	// DefaultWaitTimeout (1 s). It is capped at half the client's
	// ReadTimeout (3 s by default), with which go-redis reads WAIT's
	// reply. It only matters with WaitReplicas.
	WaitTimeout time.Duration
}

// Store is a session.Store, session.Toucher, session.Patcher and
// session.UserIndex on a Redis client (see the package documentation for
// the keys it writes, connect-redis 9's). It is safe for concurrent use. It does not own the client: closing it is
// the caller's job.
type Store struct {
	client      redis.UniversalClient
	prefix      string
	defaultTTL  time.Duration
	userKey     string
	userPrefix  string // of the index keys: see defaultUserPrefix
	touchNeedle string // see touchNeedle

	waitReplicas int           // Options.WaitReplicas; 0: no WAIT
	waitTimeout  time.Duration // Options.WaitTimeout, defaulted and capped

	mu     sync.Mutex
	queues map[string]*patchQueue // keys whose patches are being written

	last lastWritten // Patch's guess of what a key holds
}

var (
	_ session.Store     = (*Store)(nil)
	_ session.Toucher   = (*Store)(nil)
	_ session.Patcher   = (*Store)(nil)
	_ session.UserIndex = (*Store)(nil)
)

// New returns a Store keeping sessions in Redis through client: a
// *redis.Client, *redis.ClusterClient, failover client or anything else
// implementing redis.UniversalClient.
//
// Create the client with ContextTimeoutEnabled: true. Without it go-redis
// ignores the deadline of each call (the Manager's StoreTimeout), and a
// Redis that stalls holds every request for the client's ReadTimeout (3 s
// by default, plus retries) instead of failing it at StoreTimeout: the
// slow-store test (faulttest.TestSlowStore) measured 5.0 s per request
// without it and 0.67 s with it, for a 500 ms StoreTimeout.
func New(client redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.DefaultTTL <= 0 {
		opts.DefaultTTL = session.DefaultStoreTTL
	}
	if opts.UserKey == "" {
		opts.UserKey = session.DefaultUserKey
	}
	st := &Store{client: client, prefix: opts.Prefix, defaultTTL: opts.DefaultTTL,
		userKey: opts.UserKey, userPrefix: defaultUserPrefix(opts.Prefix), touchNeedle: touchNeedle(opts.UserKey),
		queues: make(map[string]*patchQueue), last: newLastWritten()}
	st.waitReplicas, st.waitTimeout = waitSettings(client, opts.WaitReplicas, opts.WaitTimeout)
	return st
}

// Key returns the Redis key of the session id: the prefix followed by id.
func (s *Store) Key(id string) string { return s.prefix + id }

// ttl is connect-redis's getTTL: the whole seconds until expires, rounded
// up; zero or less means the record has expired. A zero expires gives the
// default TTL.
func (s *Store) ttl(expires time.Time) int64 {
	if expires.IsZero() {
		return int64((s.defaultTTL + time.Second - 1) / time.Second)
	}
	d := time.Until(expires)
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// Get returns the record under id and when Redis forgets it (GET and PTTL
// pipelined, one round trip; a key without a TTL has the zero expiry,
// unknown), or an error wrapping session.ErrNotFound when there is none:
// Redis expires records itself. Any other error is a failure of Redis or
// of the connection to it.
func (s *Store) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("redisstore: get: %w", err)
	}
	key := s.Key(id)
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		pttl = p.PTTL(ctx, key)
		return nil
	})
	now := time.Now()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, time.Time{}, fmt.Errorf("redisstore: get: %w", err)
	}
	b, err := get.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, time.Time{}, fmt.Errorf("redisstore: get: %w", session.ErrNotFound)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("redisstore: get: %w", err)
	}
	var exp time.Time
	if d := pttl.Val(); pttl.Err() == nil && d > 0 {
		exp = now.Add(d)
	}
	return b, exp, nil
}

// Set stores record under id until expires: SET key record EX ttl, with
// ttl the seconds until expires rounded up. A record that has already
// expired deletes the key instead (DEL), as connect-redis does. A record
// that names a user is then added to the user's index, a second round
// trip (see the package documentation). It returns an error wrapping
// ctx's error or Redis's; when only the index update failed, the record
// has been written.
func (s *Store) Set(ctx context.Context, id string, record []byte, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: set: %w", err)
	}
	ttl := s.ttl(expires)
	key := s.Key(id)
	s.last.put(key, nil) // Patch's guess would be stale
	var err error
	if ttl <= 0 {
		_, err = write(ctx, s, key, func(c redis.Cmdable) *redis.IntCmd { return c.Del(ctx, key) })
	} else {
		_, err = write(ctx, s, key, func(c redis.Cmdable) *redis.StatusCmd {
			return c.Set(ctx, key, record, time.Duration(ttl)*time.Second)
		})
		if err == nil {
			err = s.index(ctx, id, record, ttl)
		}
	}
	if err != nil {
		return fmt.Errorf("redisstore: set: %w", err)
	}
	return nil
}

// touchScript is Touch: EXPIRE KEYS[1] ARGV[1] if the key exists. It
// returns false when the key is missing, the record when it contains
// ARGV[2] (the user key, so it may name a user; "" matches every record),
// else 0: an anonymous session's record does not travel back.
var touchScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('EXPIRE', KEYS[1], ARGV[1])
if string.find(v, ARGV[2], 1, true) then return v end
return 0
`)

// Touch moves the expiry of the record under id without rewriting it:
// EXPIRE key ttl, in a script that returns the record when it may name a
// user, whose index entry then gets the new expiry (a second round trip,
// only for a session someone is signed in to; a session a Node app signed
// in joins its user's index so). A missing record is not an error (it
// stays missing); an expiry already past deletes the record, as EXPIRE
// with a ttl of zero or less does. It returns an error wrapping ctx's
// error or Redis's.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: touch: %w", err)
	}
	ttl := s.ttl(expires)
	key := s.Key(id)
	if ttl <= 0 {
		if _, err := write(ctx, s, key, func(c redis.Cmdable) *redis.BoolCmd { return c.Expire(ctx, key, 0) }); err != nil {
			return fmt.Errorf("redisstore: touch: %w", err)
		}
		return nil
	}
	cmd, err := s.runScript(ctx, touchScript, key, ttl, s.touchNeedle)
	if errors.Is(err, redis.Nil) {
		return nil // missing
	}
	if err == nil {
		if rec, ok := cmd.Val().(string); ok {
			err = s.index(ctx, id, []byte(rec), ttl)
		}
	}
	if err != nil {
		return fmt.Errorf("redisstore: touch: %w", err)
	}
	return nil
}

// destroyScript deletes KEYS[1] unless its record contains ARGV[1] (the
// user key, so it may name a user; "" matches every record), which it
// returns instead, for Destroy to take the ID out of its user's index
// first. It returns 0 when it deleted the key or there was none.
var destroyScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if string.find(v, ARGV[1], 1, true) then return v end
redis.call('DEL', KEYS[1])
return 0
`)

// Destroy deletes the record under id. A record without a user is deleted
// in one round trip (a script: GET, DEL). One that names a user is first
// removed from the user's index (ZREM), then deleted (DEL): in this order
// a concurrent write that brings the session back signed in re-adds it
// to the index after the ZREM. Deleting a missing record is not an error.
// It returns an error wrapping ctx's error or Redis's.
func (s *Store) Destroy(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: destroy: %w", err)
	}
	key := s.Key(id)
	s.last.put(key, nil) // Patch's guess would be stale
	cmd, err := s.runScript(ctx, destroyScript, key, s.touchNeedle)
	if err == nil {
		if rec, ok := cmd.Val().(string); ok {
			if user, ok := session.RecordUser([]byte(rec), s.userKey); ok {
				ikey := s.IndexKey(user)
				_, err = write(ctx, s, ikey, func(c redis.Cmdable) *redis.IntCmd { return c.ZRem(ctx, ikey, id) })
			}
			if err == nil {
				_, err = write(ctx, s, key, func(c redis.Cmdable) *redis.IntCmd { return c.Del(ctx, key) })
			}
		}
	}
	if err != nil {
		return fmt.Errorf("redisstore: destroy: %w", err)
	}
	return nil
}

// Patch applies p to the latest record under id (none is an empty record),
// stores the result until expires, and returns it, atomically, in one
// round trip when nobody else wrote the record: it applies p to the record
// this Store last wrote under id (remembered for recently patched
// sessions), or else to the one the session last saw (p.Base), and runs a script that writes the result
// (SET ... EX, or DEL for an expiry already past) only if the key still
// holds that record. If another writer changed it, the script returns what
// the key holds and Patch applies p to that, up to MaxPatchAttempts times
// (with a short random pause after the second); Patch then returns an
// error wrapping ErrConflict. An error from p.Apply (a corrupt record, an
// increment of a non-integer) is returned wrapped, after Patch has read
// the stored record to rule out a stale p.Base, and nothing is written
// for p.
//
// Concurrent patches of one session through one Store are grouped: while
// a transaction on the key runs, the patches that arrive queue, and the
// next transaction applies them all, in arrival order, and writes once.
// Each gets the record as it stood after its own patch. So many
// concurrent requests of one session in one process cost a few
// transactions rather than invalidating each other's; the compare-and-set
// guards against writers elsewhere. If ctx ends while the patch is queued, it is
// dropped; if it ends while its transaction runs, Patch returns ctx's
// error and the patch may still have been applied. A written record that
// names a user is then added to the user's index (one more round trip);
// when that fails, Patch returns the error although the record was
// written.
func (s *Store) Patch(ctx context.Context, id string, p *session.Patch, expires time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: patch: %w", err)
	}
	key := s.Key(id)
	req := &patchReq{id: id, ctx: ctx, p: p, expires: expires, done: make(chan patchResult, 1)}
	s.mu.Lock()
	q, running := s.queues[key]
	if !running {
		q = &patchQueue{}
		s.queues[key] = q
	}
	q.reqs = append(q.reqs, req)
	s.mu.Unlock()
	if !running {
		go s.runPatches(key, q)
	}

	var r patchResult
	select {
	case r = <-req.done:
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(q.reqs, req); i >= 0 { // still queued: drop it
			q.reqs = slices.Delete(q.reqs, i, i+1)
		}
		s.mu.Unlock()
		select {
		case r = <-req.done: // finished meanwhile
		default:
			r.err = ctx.Err()
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("redisstore: patch: %w", r.err)
	}
	return r.merged, nil
}

// patchQueue holds the patches of one key waiting for the next
// transaction. It exists while runPatches works on the key.
type patchQueue struct {
	reqs []*patchReq // guarded by Store.mu
}

type patchReq struct {
	id      string
	ctx     context.Context
	p       *session.Patch
	expires time.Time
	done    chan patchResult // buffered: the sender never waits
}

type patchResult struct {
	merged []byte
	err    error
}

// runPatches writes the queued patches of key, a group per transaction,
// until none is left.
func (s *Store) runPatches(key string, q *patchQueue) {
	for {
		s.mu.Lock()
		var group []*patchReq
		for _, r := range q.reqs {
			if err := r.ctx.Err(); err != nil {
				r.done <- patchResult{err: err} // gave up while queued
			} else {
				group = append(group, r)
			}
		}
		q.reqs = nil
		if len(group) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.patchGroup(key, group)
	}
}

// casScript writes ARGV[3] with EX ARGV[4] seconds (or deletes the key when
// ARGV[4] is "0") if the key still holds ARGV[2] (or, when ARGV[1] is "0",
// holds nothing). It returns {1} when it wrote, {0} when the key is
// missing, and {0, value} with what the key holds otherwise, so that a
// conflict costs no extra GET.
var casScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local match
if ARGV[1] == '0' then match = (cur == false) else match = (cur == ARGV[2]) end
if match then
  if ARGV[4] == '0' then redis.call('DEL', KEYS[1])
  else redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4]) end
  return {1}
end
if cur == false then return {0} end
return {0, cur}
`)

// patchGroup applies group, in order, to the record under key and writes
// the result with a compare-and-set (casScript), one round trip: the
// patches are applied to the record the first one's session last saw
// (session.Patch.Base), and, when another writer changed the record
// since, again to what Redis returned, until the write lands. Each
// request gets its result.
func (s *Store) patchGroup(key string, group []*patchReq) {
	ctx, cancel := groupContext(group)
	defer cancel()
	// A guess until Redis has confirmed it: what this Store wrote last
	// under key, or else the record the first one's session was loaded
	// with.
	base := s.last.get(key)
	if base == nil {
		base = group[0].p.Base()
	}
	confirmed := false
	var (
		results    []patchResult
		err        error
		written    []byte // the record the compare-and-set wrote
		writtenTTL int64
	)
	for attempt := 1; ; {
		var next []byte
		var ttl int64
		results, next, ttl = s.applyGroup(group, base)
		if !confirmed && (ttl < 0 || failed(results)) {
			// A failure may come from a stale guess: read what is stored.
			base, err = s.client.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				base, err = nil, nil
			}
			if err != nil {
				break
			}
			confirmed = true
			continue
		}
		if ttl < 0 {
			break // every patch failed on the stored record: nothing to write
		}
		var wrote bool
		wrote, base, err = s.compareAndSet(ctx, key, base, next, ttl)
		if err != nil {
			break
		}
		if wrote {
			written, writtenTTL = next, ttl
			s.last.put(key, written) // nil after a delete: forgotten
			break
		}
		confirmed = true
		if attempt == MaxPatchAttempts {
			err = fmt.Errorf("%w, %d attempts", ErrConflict, attempt)
			break
		}
		if attempt > 1 { // the first retry has the fresh record already
			if err = pause(ctx, attempt); err != nil {
				break
			}
		}
		attempt++
	}
	if err == nil && writtenTTL > 0 {
		err = s.index(ctx, group[0].id, written, writtenTTL) // after the record: see users.go
	}
	for i, r := range group {
		if err != nil {
			results[i] = patchResult{err: err}
		}
		r.done <- results[i]
	}
}

// applyGroup applies the patches of group in order to cur. It returns
// each one's result, the record to write and its TTL in seconds (0:
// delete the key), or a TTL of -1 when every patch failed.
func (s *Store) applyGroup(group []*patchReq, cur []byte) ([]patchResult, []byte, int64) {
	results := make([]patchResult, len(group))
	ttl := int64(-1) // the last patch applied decides the expiry
	for i, r := range group {
		next, err := r.p.Apply(cur)
		results[i] = patchResult{next, err}
		if err != nil {
			continue
		}
		cur, ttl = next, s.ttl(r.expires)
		if ttl <= 0 {
			cur, ttl = nil, 0 // this patch deletes the record; the next starts afresh
		}
	}
	return results, cur, ttl
}

func failed(results []patchResult) bool {
	return slices.ContainsFunc(results, func(r patchResult) bool { return r.err != nil })
}

// compareAndSet runs casScript: it writes next (or deletes the key when
// ttl is 0) if key holds base (nil: nothing). It returns whether it wrote
// and, when it did not, what key holds.
func (s *Store) compareAndSet(ctx context.Context, key string, base, next []byte, ttl int64) (bool, []byte, error) {
	exists := "1"
	if base == nil {
		exists = "0"
	}
	cmd, err := s.runScript(ctx, casScript, key, exists, base, next, ttl)
	if err != nil {
		return false, nil, err
	}
	res, err := cmd.Slice()
	if err != nil {
		return false, nil, err
	}
	if len(res) == 0 {
		return false, nil, fmt.Errorf("compare-and-set: empty reply")
	}
	if n, _ := res[0].(int64); n == 1 {
		return true, next, nil
	}
	if len(res) < 2 {
		return false, nil, nil // the key is gone
	}
	cur, ok := res[1].(string)
	if !ok {
		return false, nil, fmt.Errorf("compare-and-set: reply %T", res[1])
	}
	return false, []byte(cur), nil
}

// groupContext returns the context a group's transaction runs under: the
// first request's values, and the latest deadline of the group (none if
// one of them has none), so that no request is failed before its own
// deadline.
func groupContext(group []*patchReq) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, r := range group {
		d, ok := r.ctx.Deadline()
		if !ok {
			return context.WithoutCancel(group[0].ctx), func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.WithoutCancel(group[0].ctx), latest)
}

// pause waits a random time that grows with the attempt number, from up
// to 1 ms to up to 20 ms, so that writers that collided spread out. It
// returns early with ctx's error when ctx is done.
func pause(ctx context.Context, attempt int) error {
	limit := time.Duration(min(attempt, 20)) * time.Millisecond
	t := time.NewTimer(rand.N(limit) + 1)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
