package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sessionkit/session"
)

// row is what a batch knows of one session's row after the batch's
// operations so far: the record the next patch of the session applies
// to, and whether the commit writes it.
type row struct {
	data  []byte // the live record; meaningful when live
	exp   int64  // its expiry, Unix ms
	live  bool   // false: no record (none, expired, or deleted by the batch)
	dirty bool   // the batch changed it: written (or deleted) at the end
	// data is a Set's record: its caller's, not to be kept after the
	// batch (the caller may reuse it once Set returns).
	borrowed bool
}

// set makes data, expiring at exp, the row's record, or deletes it when
// exp is not after now.
func (r *row) set(data []byte, exp, now int64) {
	r.data, r.exp, r.live, r.dirty, r.borrowed = data, exp, exp > now, true, false
	if !r.live {
		r.data = nil
	}
}

// run runs ops, taken from the queue in arrival order, as if one after
// the other, and sets their results. Every write it acknowledges is
// committed: in one statement, or in one IMMEDIATE transaction.
func (s *Store) run(ops []*op) {
	now := s.now().UnixMilli()
	switch {
	case len(ops) == 1 && ops[0].kind != opPatch:
		s.runOne(ops[0], now)
	case s.runCAS(ops, now):
	default:
		s.runTx(ops, now)
	}
}

// runOne runs a Set, Touch or Destroy alone, in one statement.
func (s *Store) runOne(o *op, now int64) {
	clear(s.last)
	bg := context.Background() // the batch is not its caller's to cancel
	var err error
	switch {
	case o.kind == opDestroy || o.exp <= now:
		_, err = s.del.ExecContext(bg, o.id)
	case o.kind == opSet:
		_, err = s.put.ExecContext(bg, o.id, o.rec, o.exp)
	default:
		_, err = s.touch.ExecContext(bg, o.exp, o.id, now)
	}
	if err != nil {
		o.err = fmt.Errorf("sqlitestore: %s: %w", o.kind, err)
	}
}

// runCAS is the fast path of a batch of patches of one session: it
// applies them in turn to the record the previous batch wrote (or the
// first patch's Base), and writes the result in one statement, a
// compare-and-set, if the row still holds that record. It reports false,
// having written nothing, when that does not apply (other operations, no
// record known, an expiry already past, a patch that does not apply to
// it, a row that changed or is gone), for the transaction to decide.
func (s *Store) runCAS(ops []*op, now int64) bool {
	id := ops[0].id
	for _, o := range ops {
		if o.kind != opPatch || o.id != id || o.exp <= now {
			return false
		}
	}
	base, ok := s.last[id]
	if !ok {
		base = ops[0].p.Base()
	}
	if base == nil {
		return false
	}
	cur := base
	for _, o := range ops {
		m, err := apply(o.p, cur)
		if err != nil {
			return false // perhaps only the guess was wrong: read the row
		}
		o.merged, cur = m, m
	}
	clear(s.last)
	res, err := s.cas.ExecContext(context.Background(), cur, ops[len(ops)-1].exp, id, now, base)
	if err != nil {
		s.fail(ops, "write", err)
		return true
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false
	}
	s.last[id] = cur
	return true
}

// runTx runs ops in one IMMEDIATE transaction: it reads each session's
// row once, at its first patch, applies the batch's operations to
// it in memory in order, and writes each changed row once before the
// commit. A patch that does not apply fails alone; a driver error fails
// every operation and writes nothing.
func (s *Store) runTx(ops []*op, now int64) {
	clear(s.last)
	bg := context.Background()
	tx, err := s.w.BeginTx(bg, nil)
	if err != nil {
		s.fail(ops, "begin", err)
		return
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback() // the error that matters is the one reported
		}
	}()
	clear(s.index)
	rows := s.rows[:0]
	defer func() { clear(rows) }() // drop the records
	var get *sql.Stmt
	for _, o := range ops {
		i, ok := s.index[o.id]
		if !ok && o.kind == opTouch { // no need to read the row
			if o.exp <= now {
				_, err = tx.StmtContext(bg, s.del).ExecContext(bg, o.id)
			} else {
				_, err = tx.StmtContext(bg, s.touch).ExecContext(bg, o.exp, o.id, now)
			}
			if err != nil {
				s.fail(ops, "write", err)
				return
			}
			continue
		}
		if !ok {
			i = len(rows)
			s.index[o.id] = i
			rows = append(rows, row{})
			if o.kind == opPatch {
				if get == nil {
					get = tx.StmtContext(bg, s.wget)
				}
				err := get.QueryRowContext(bg, o.id, now).Scan(&rows[i].data, &rows[i].exp)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					s.fail(ops, "read", err)
					return
				}
				rows[i].live = err == nil
			}
		}
		r := &rows[i]
		switch o.kind {
		case opPatch:
			var cur []byte
			if r.live {
				cur = r.data
			} else if o.p.Base() != nil {
				// The record the session was loaded from has expired or
				// been destroyed since: see session.Patcher.
				o.err = fmt.Errorf("sqlitestore: patch: %w", session.ErrNotFound)
				continue
			}
			m, err := apply(o.p, cur)
			if err != nil {
				o.err = fmt.Errorf("sqlitestore: patch: %w", err)
				continue
			}
			o.merged = m
			r.set(m, o.exp, now)
		case opSet:
			r.set(o.rec, o.exp, now)
			r.borrowed = true
		case opDestroy:
			r.set(nil, 0, now)
		case opTouch:
			if r.live {
				borrowed := r.borrowed
				r.set(r.data, o.exp, now)
				r.borrowed = borrowed
			}
		}
	}
	s.rows = rows
	var put, del *sql.Stmt
	for id, i := range s.index {
		r := &rows[i]
		if !r.dirty {
			continue
		}
		if r.live {
			if put == nil {
				put = tx.StmtContext(bg, s.put)
			}
			_, err = put.ExecContext(bg, id, r.data, r.exp)
		} else {
			if del == nil {
				del = tx.StmtContext(bg, s.del)
			}
			_, err = del.ExecContext(bg, id)
		}
		if err != nil {
			s.fail(ops, "write", err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		committed = true // Commit ended the transaction either way
		s.fail(ops, "commit", err)
		return
	}
	committed = true
	for id, i := range s.index {
		if r := &rows[i]; r.dirty && r.live && !r.borrowed {
			s.last[id] = r.data
		}
	}
}

// fail reports the driver error err, at step, to every operation of ops
// that has not failed already: nothing of theirs is written.
func (s *Store) fail(ops []*op, step string, err error) {
	clear(s.last)
	for _, o := range ops {
		if o.err == nil {
			o.err = fmt.Errorf("sqlitestore: %s: %s: %w", o.kind, step, err)
			o.merged = nil
		}
	}
}

// apply is p.Apply, with a panic turned into an error: it runs on the
// writer goroutine, where no handler's recovery would catch one, and one
// bad patch must not end the process or its batch.
func apply(p *session.Patch, cur []byte) (merged []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("patch panicked: %v", r)
		}
	}()
	return p.Apply(cur)
}
