package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
)

// The index of sessions by user (session.UserIndex). Each user with a
// session has a sorted set under IndexKey(user): member = session ID,
// score = when the session's key expires, in Unix milliseconds, as this
// process computed it at the write or touch (with a random fraction, so
// that two writes of one member almost never give the same score: see
// reconcileScript). The set's own key expires with its latest member.
//
// A session's key and its user's set are in different slots of a Redis
// Cluster, so no script or MULTI can write both. The session is written
// first, the set after (a second round trip, only for a record naming a
// user). The set is the one that may be wrong, and UserSessions checks
// every member against its record and repairs the set:
//
//   - a member whose record is gone or names someone else (signed out, or
//     signed in as another user: writes do not remove the ID from the
//     previous user's set) is removed;
//   - a member whose key lives longer than its score says (a Node app
//     touched it, or the clock of the process that scored it is ahead of
//     Redis's) is listed, and gets the later score.
//
// The scores are not trusted to say what has expired (they come from the
// clocks of the processes that wrote them); Redis's own expiry of the
// session keys is.
//
// Removals and repairs apply only if the member's score is still the one
// UserSessions read, so a write that lands meanwhile is not undone.

// defaultUserPrefix returns the prefix of the index keys for the session
// key prefix p: "user:" + p, or "by-user:" + p when p starts with 'u'. The
// two prefixes differ in their first byte, so no session key p+ID is ever
// an index key, whatever the ID; and the index keys are outside p, where
// connect-redis's all(), length() and clear() (a SCAN of p+"*") look.
func defaultUserPrefix(p string) string {
	if p[0] == 'u' {
		return "by-user:" + p
	}
	return "user:" + p
}

// IndexKey returns the Redis key of the index of user's sessions: a sorted
// set of session IDs scored by expiry in Unix milliseconds. With the
// default prefix it is "user:sess:" + user.
func (s *Store) IndexKey(user string) string { return s.userPrefix + user }

// touchNeedle returns what Touch looks for in a record before sending it
// back: the user key as JSON writes it (Go's encoding/json and Node's
// JSON.stringify escape none of these bytes), or "" (send every record)
// for a key with other bytes.
func touchNeedle(key string) string {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '-' || c == '$' || c == '.' || c == ':') {
			return ""
		}
	}
	return `"` + key + `"`
}

// expiryScore returns the score of a member whose key was just given ttl
// seconds: its expiry in Unix ms plus a random fraction of a millisecond
// (k/1024 is exact in a float64 for Unix ms below 2^43, until 2248).
func expiryScore(ttl int64) float64 {
	ms := time.Now().UnixMilli() + ttl*1000
	return float64(ms) + float64(rand.N(1024))/1024
}

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// indexAddScript adds ARGV[2] to the set KEYS[1] with score ARGV[1] and
// makes the set expire with its latest member.
var indexAddScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(tonumber(top[2]))))
return 1
`)

// reconcileScript applies repairs to the set KEYS[1]: ARGV holds triples
// (member, score read, new score or "" to remove it), each applied only if
// the member's score is still the one read. The set then expires with its
// latest member (Redis deletes an emptied set). It returns how many
// repairs it applied.
var reconcileScript = redis.NewScript(`
local n = 0
for i = 1, #ARGV, 3 do
  local cur = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if cur and tonumber(cur) == tonumber(ARGV[i+1]) then
    if ARGV[i+2] == '' then redis.call('ZREM', KEYS[1], ARGV[i])
    else redis.call('ZADD', KEYS[1], ARGV[i+2], ARGV[i]) end
    n = n + 1
  end
end
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then
  redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(tonumber(top[2]))))
end
return n
`)

// index adds id to the set of the user record names, if any, with the
// expiry of a key just given ttl seconds (> 0). A record without a user
// costs nothing: no round trip.
func (s *Store) index(ctx context.Context, id string, record []byte, ttl int64) error {
	user, ok := session.RecordUser(record, s.userKey)
	if !ok {
		return nil
	}
	_, err := s.runScript(ctx, indexAddScript, s.IndexKey(user), formatScore(expiryScore(ttl)), id)
	if err != nil {
		return fmt.Errorf("index of user sessions: %w", err)
	}
	return nil
}

// UserKey returns the session key the store finds a sign-in under
// (session.UserIndex): its Options.UserKey, "passport" by default. The
// Manager refuses a store whose UserKey is not its own.
func (s *Store) UserKey() string { return s.userKey }

// UserSessions returns the live sessions whose record names user under
// Options.UserKey (see session.RecordUser), with each key's expiry (from
// PTTL), in no particular order, and repairs user's index on the way (see
// the package documentation): members whose record is gone, expired or
// names someone else are removed. It costs two round trips (on a Cluster,
// the second is one per node holding the sessions, in parallel), and a
// third when the index needed repair. A session written only by a Node app
// is not found until this Store writes or touches it. It returns an error
// wrapping ctx's error when ctx ends, and the error of Redis when a
// command fails.
func (s *Store) UserSessions(ctx context.Context, user string) ([]session.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	// Every member, those whose score has passed too: the scores come
	// from the clocks of the processes that wrote them, the keys expire by
	// Redis's, and a Node app may have extended a session. The records
	// decide; an expired session's key is gone.
	ikey := s.IndexKey(user)
	members, err := s.client.ZRangeWithScores(ctx, ikey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	if len(members) == 0 {
		return nil, nil
	}

	// The records, each key on its own: on a Cluster they are in slots of
	// their own, and the pipeline sends each node its keys.
	pipe := s.client.Pipeline()
	gets := make([]*redis.StringCmd, len(members))
	pttls := make([]*redis.DurationCmd, len(members))
	for i, z := range members {
		key := s.Key(z.Member.(string))
		gets[i] = pipe.Get(ctx, key)
		pttls[i] = pipe.PTTL(ctx, key)
	}
	_, err = pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	read := time.Now()

	var (
		out     []session.StoredSession
		repairs []any
	)
	for i, z := range members {
		id := z.Member.(string)
		rec, err := gets[i].Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("redisstore: user sessions: %w", err)
		}
		ttl, terr := pttls[i].Result()
		if terr != nil {
			return nil, fmt.Errorf("redisstore: user sessions: %w", terr)
		}
		if u, ok := session.RecordUser(rec, s.userKey); err != nil || !ok || u != user || (ttl != -1 && ttl < time.Millisecond) {
			repairs = append(repairs, id, formatScore(z.Score), "") // gone, expired or someone else's
			continue
		}
		var expires time.Time
		if ttl == -1 { // a key without expiry (not ours): as the index has it
			if expires = time.UnixMilli(int64(z.Score)); !expires.After(read) {
				continue
			}
		} else {
			expires = read.Add(ttl)
			if ms := expires.UnixMilli(); float64(ms) > z.Score+1000 { // extended behind the index's back
				repairs = append(repairs, id, formatScore(z.Score), formatScore(float64(ms)+float64(rand.N(1024))/1024))
			}
		}
		out = append(out, session.StoredSession{ID: id, Record: rec, Expires: expires})
	}
	if len(repairs) > 0 {
		if err := reconcileScript.Run(ctx, s.client, []string{ikey}, repairs...).Err(); err != nil {
			return nil, fmt.Errorf("redisstore: user sessions: repairing the index: %w", err)
		}
	}
	return out, nil
}
