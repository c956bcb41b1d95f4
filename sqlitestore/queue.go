package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/sessionkit/session"
)

// maxBatch bounds the operations one batch (one transaction) takes, so
// that a long queue does not make one transaction, and the wait of its
// first caller, grow without limit.
const maxBatch = 64

// opKind is what an operation writes.
type opKind uint8

const (
	opSet opKind = iota
	opTouch
	opDestroy
	opPatch
)

func (k opKind) String() string {
	return [...]string{"set", "touch", "destroy", "patch"}[k]
}

// op is one write waiting in the queue: a Set, Touch, Destroy or Patch.
type op struct {
	kind opKind
	id   string
	rec  []byte         // opSet: the record
	p    *session.Patch // opPatch
	exp  int64          // expiry, Unix ms (not opDestroy)
	ctx  context.Context

	// The result, written by the writer before it closes done.
	merged []byte // opPatch: the record right after this patch
	err    error
	done   chan struct{}
}

// queue holds the writes waiting for the Store's writer goroutine, which
// takes them in batches of up to maxBatch, in arrival order.
type queue struct {
	mu      sync.Mutex
	waiting []*op
	idle    bool          // the writer waits for wake
	wake    chan struct{} // capacity 1: wakes the idle writer
	closed  bool          // Close was called: no new operations
	taken   int           // operations taken into batches so far (for tests)
	stopped chan struct{} // closed when the writer has returned
}

// errClosed is the error of a write after Close, as database/sql words
// it.
var errClosed = errors.New("sql: database is closed")

// write queues o, waits until a batch holding it has committed (or
// failed), and returns its error. It returns an error wrapping ctx's
// error, having written nothing, when ctx is done before a batch takes o.
func (s *Store) write(ctx context.Context, o *op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlitestore: %s: %w", o.kind, err)
	}
	o.ctx = ctx
	o.done = make(chan struct{})
	q := &s.q
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("sqlitestore: %s: %w", o.kind, errClosed)
	}
	q.waiting = append(q.waiting, o)
	wake := q.idle
	q.idle = false
	q.mu.Unlock()
	if wake {
		q.wake <- struct{}{}
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		q.mu.Lock()
		if i := slices.Index(q.waiting, o); i >= 0 {
			q.waiting = slices.Delete(q.waiting, i, i+1)
			q.mu.Unlock()
			return fmt.Errorf("sqlitestore: %s: %w", o.kind, ctx.Err())
		}
		q.mu.Unlock()
		<-o.done // taken into a batch: its result comes
		return o.err
	}
}

// writeLoop is the Store's writer goroutine: it runs the waiting
// operations in batches, answering each batch's operations once it has
// committed, until Close has been called and the queue is empty.
func (s *Store) writeLoop() {
	defer close(s.q.stopped)
	var batch, run []*op
	for {
		var ok bool
		if batch, ok = s.q.take(batch[:0]); !ok {
			return
		}
		// Operations whose context ended while they waited write nothing.
		run = run[:0]
		for _, o := range batch {
			if err := o.ctx.Err(); err != nil {
				o.err = fmt.Errorf("sqlitestore: %s: %w", o.kind, err)
			} else {
				run = append(run, o)
			}
		}
		if len(run) > 0 {
			s.run(run)
		}
		for _, o := range batch {
			close(o.done)
		}
		clear(batch) // let the operations go
		clear(run)
	}
}

// take waits for operations and appends the first ones waiting, up to
// maxBatch, to batch, removing them from the queue. It reports false
// when the queue is closed and empty.
func (q *queue) take(batch []*op) ([]*op, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.waiting) == 0 {
		if q.closed {
			return batch, false
		}
		q.idle = true
		q.mu.Unlock()
		<-q.wake
		q.mu.Lock()
	}
	// Yield once before taking the batch: the goroutines ready to run,
	// requests on their way to a write among them, run first and join
	// it. On a busy process this makes batches larger (fewer commits for
	// the same writes: 1.4 writes a batch without it, 7-8 with it, under
	// wrk -c32 on one session on 2 cores); when nothing else is ready to
	// run it returns at once.
	q.mu.Unlock()
	runtime.Gosched()
	q.mu.Lock()
	n := min(len(q.waiting), maxBatch)
	batch = append(batch, q.waiting[:n]...)
	m := copy(q.waiting, q.waiting[n:])
	clear(q.waiting[m:])
	q.waiting = q.waiting[:m]
	q.taken += n
	return batch, true
}

// stopWriter makes the writer return once the queue is empty, and waits
// for it. Writes after it fail with errClosed.
func (s *Store) stopWriter() {
	q := &s.q
	q.mu.Lock()
	q.closed = true
	wake := q.idle
	q.idle = false
	q.mu.Unlock()
	if wake {
		q.wake <- struct{}{}
	}
	<-q.stopped
}
