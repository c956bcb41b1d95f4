package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is returned (wrapped) by a write of a Store with
// Options.WaitReplicas set when fewer replicas than that acknowledged the
// write within Options.WaitTimeout. The write may or may not survive a
// failover: the Manager reports it as session.ErrStore (a 503), so the
// change is not acknowledged to the client.
var ErrNotReplicated = errors.New("redisstore: write not acknowledged by enough replicas")

// DefaultWaitTimeout is how long a write waits for its replicas when
// Options.WaitReplicas is set and Options.WaitTimeout is zero.
const DefaultWaitTimeout = time.Second

// waitSettings returns the WaitReplicas and WaitTimeout a Store uses: the
// timeout defaults to DefaultWaitTimeout and is capped at half the
// client's ReadTimeout when the client says it (go-redis reads the replies
// of a pipeline, WAIT's too, with ReadTimeout, and retries the whole
// pipeline when that read times out), and at least a millisecond (WAIT
// with a timeout of 0 blocks forever).
func waitSettings(client redis.UniversalClient, n int, d time.Duration) (int, time.Duration) {
	if n <= 0 {
		return 0, 0
	}
	if d <= 0 {
		d = DefaultWaitTimeout
	}
	var rt time.Duration
	switch c := client.(type) {
	case *redis.Client:
		rt = c.Options().ReadTimeout
	case *redis.ClusterClient:
		rt = c.Options().ReadTimeout
	case *redis.Ring:
		rt = c.Options().ReadTimeout
	}
	if rt > 0 && d > rt/2 {
		d = rt / 2
	}
	return n, max(d, time.Millisecond)
}

// pipeFor returns a pipeline whose commands all go, in order, on one
// connection to the primary that holds key: a *redis.Client's pipeline
// (a failover client's too) uses one connection; on a Cluster or a Ring
// the pipeline is the client of the node or shard of key, since theirs
// would send the keyless WAIT to another node. A Cluster node's client
// follows no MOVED or ASK redirection: a write to a slot being migrated
// fails (and the Manager answers 503) until the cluster client's view of
// the slots catches up.
func (s *Store) pipeFor(ctx context.Context, key string) (redis.Pipeliner, error) {
	switch c := s.client.(type) {
	case *redis.ClusterClient:
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, err
		}
		return node.Pipeline(), nil
	case *redis.Ring:
		shard, err := c.GetShardClientForKey(key)
		if err != nil {
			return nil, err
		}
		return shard.Pipeline(), nil
	}
	return s.client.Pipeline(), nil
}

// write sends the command queue puts on the client (key is its key) and,
// when Options.WaitReplicas is set, WAIT after it on the same connection,
// in one pipeline: one network round trip, whose reply comes once the
// replicas have acknowledged the write or the wait timed out. It returns
// the command and its error; else WAIT's error, or an error wrapping
// ErrNotReplicated when too few replicas acknowledged. A command that
// failed or replied nil (redis.Nil) is returned with its error whatever
// WAIT said.
func write[C redis.Cmder](ctx context.Context, s *Store, key string, queue func(redis.Cmdable) C) (C, error) {
	if s.waitReplicas <= 0 {
		c := queue(s.client)
		return c, c.Err()
	}
	pipe, err := s.pipeFor(ctx, key)
	if err != nil {
		var zero C
		return zero, err
	}
	c := queue(pipe)
	w := pipe.Do(ctx, "WAIT", s.waitReplicas, s.waitTimeout.Milliseconds())
	_, _ = pipe.Exec(ctx) // the errors are the commands'
	if err := c.Err(); err != nil {
		return c, err
	}
	n, err := w.Int64()
	if err != nil {
		return c, fmt.Errorf("WAIT: %w", err)
	}
	if n < int64(s.waitReplicas) {
		return c, fmt.Errorf("%w: %d of %d within %v", ErrNotReplicated, n, s.waitReplicas, s.waitTimeout)
	}
	return c, nil
}

// runScript runs script on key with args as write does: without
// WaitReplicas as script.Run does (EVALSHA, then EVAL if Redis does not
// know the script); with it, EVALSHA and WAIT in one pipeline, again with
// EVAL when Redis answered NOSCRIPT (the script then ran nothing).
func (s *Store) runScript(ctx context.Context, script *redis.Script, key string, args ...any) (*redis.Cmd, error) {
	keys := []string{key}
	if s.waitReplicas <= 0 {
		c := script.Run(ctx, s.client, keys, args...)
		return c, c.Err()
	}
	c, err := write(ctx, s, key, func(p redis.Cmdable) *redis.Cmd { return script.EvalSha(ctx, p, keys, args...) })
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		c, err = write(ctx, s, key, func(p redis.Cmdable) *redis.Cmd { return script.Eval(ctx, p, keys, args...) })
	}
	return c, err
}
