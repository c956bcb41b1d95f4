// Package redisstore is a session.Store on Redis, through any go-redis v9
// client (redis.UniversalClient: a single server, Sentinel or a Cluster).
// A Store implements session.Store, session.Toucher, session.Patcher and
// session.UserIndex, and passes the conformance suite in package
// storetest.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	m, err := session.New(session.Options{
//		Secrets: []string{secret},
//		Store:   redisstore.New(client, redisstore.Options{}),
//	})
//
// # Keys and expiry
//
// A session lives under the key Prefix+ID (default "sess:"), as a plain
// Redis string holding the session record (express-session's JSON),
// written with SET key value EX ttl where ttl is the seconds left until
// the expiry the Manager passes, rounded up (the cookie's Expires, or 24
// hours for a browser-session cookie). A record whose expiry has passed is
// deleted instead of written. Get is GET and PTTL in one pipeline, so the
// Manager knows the expiry and renews an unmodified session only when
// Options.Renew says it is due. Touch is EXPIRE, Destroy is DEL (each in a
// short script that also returns the record when it may name a user).
// (Node: these are connect-redis 9's keys, values and expiries, so an
// express-session app using connect-redis with the same prefix and
// secret shares the sessions.)
//
// # Concurrent saves
//
// Patch (session.Patcher) is a compare-and-set script on the one key: one
// round trip when nobody else wrote the record since, and a retry on the
// record Redis returns when another writer changed it first. Concurrent
// patches of one session through one Store are grouped, a transaction
// applying all those waiting. So concurrent requests of one session that
// change different keys, or increment one counter, all keep their
// change, whether they run in one process or many. It works on a Cluster
// too (one key is one slot).
//
// # Sessions by user
//
// The sessions a user is signed in to (session.UserIndex; the user under
// Options.UserKey, {"passport":{"user":...}} by default) are found
// through a sorted set per user, under IndexKey(user) ("user:sess:" +
// user by default, outside the session keys' prefix so that no session
// ID can name it and a SCAN of "sess:*" never meets it). A member is a
// session ID, its score the session's expiry in Unix milliseconds; the
// set expires with its latest member. Set, Patch and Touch of a record
// that names a user add or refresh its member: one more round trip, after
// the session's write, since on a Redis Cluster the set and the session
// are in different slots and no script can write both. A record without a
// user costs no extra round trip. Destroy of a signed-in session removes
// the member, then the record. Listing costs two round trips: the set,
// then GET and PTTL of every member in one pipeline (per node, in
// parallel, on a Cluster).
//
// The index may disagree with the sessions: a process that stops between
// a session's write and its index update leaves a signed-in session out
// of its user's list until its next write or touch; a user change or
// sign-out leaves the ID in the previous user's set. UserSessions trusts
// no member: it reads every record, drops from its answer and removes
// from the set the members whose record is gone, expired or names
// someone else (only if the member's score is unchanged, so a concurrent
// sign-in is not undone), and lists a member whose key lives longer than
// its score with its real expiry.
//
// Sessions a Node app signs in (connect-redis writes them, not this
// Store) are not in the index until a Go instance writes or touches them.
// A session a Node app keeps alive beyond the expiry a Go instance last
// set stays listed while its user's set lasts (until the latest expiry Go
// set for that user, which UserSessions extends when it sees the session),
// and leaves the index after that, until Go writes or touches it again.
//
// # Waiting for replicas
//
// Redis acknowledges a write once the primary holds it in memory; its
// replicas get it a moment later. If the primary dies in that moment and
// Sentinel (or the Cluster) promotes a replica, the write is lost,
// although the client was told it succeeded. Options.WaitReplicas makes
// each write wait for that many replicas: the Store sends WAIT n timeout
// after the write, in one pipeline on the same connection (on a Cluster,
// to the node that holds the key), and returns an error wrapping
// ErrNotReplicated when fewer than n replicas acknowledged within
// Options.WaitTimeout; the Manager then answers 503, so the change is not
// acknowledged (it may still have been applied). The costs: every write's
// reply waits for the replicas' acknowledgement (about one more round
// trip, primary to replica); writes fail while fewer than n replicas are
// connected (with one replica and WaitReplicas 1, a dead replica stops
// every write until it is back: run two replicas and wait for one to
// ride out the loss of either); and WAIT is not strong consistency: a
// replica acknowledges what it received, not what it fsynced, and when
// there are more replicas than n, a failover may promote one that did not
// get the write. With one replica and WaitReplicas 1, or WaitReplicas
// equal to the number of replicas, an acknowledged write is on every
// node that can be promoted. The fault test (faulttest/failover_test.go)
// kills the primary under a replica and three Sentinels under load: with
// WaitReplicas 1 no acknowledged increment is lost.
//
// # Client settings
//
// Create the client with ContextTimeoutEnabled: true: without it go-redis
// ignores the deadline of each call (the Manager's StoreTimeout), and a
// Redis that stalls holds every request for the client's ReadTimeout
// instead (see New). Sessions use no RESP3 feature: a client with
// Protocol: 2 saves go-redis a look for push notifications (a read
// syscall) on every command.
//
// Errors from Redis are returned wrapped; the Manager reports them as
// session.ErrStore (503 by default). The client's own settings (timeouts,
// retries, pool size) apply to every call.
package redisstore
