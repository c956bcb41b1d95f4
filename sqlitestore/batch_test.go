package sqlitestore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sqlitestore"
	"github.com/sessionkit/session/storetest"
)

// incr is a patch adding 1 to "visits".
func incr() *session.Patch { return storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}) }

// visitsOf returns the "visits" of a record, or -1 when it has none.
func visitsOf(t *testing.T, rec []byte) int {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec, &m); err != nil {
		t.Fatalf("record %q: %v", rec, err)
	}
	v, ok := m["visits"].(float64)
	if !ok {
		return -1
	}
	return int(v)
}

// storedVisits returns the "visits" of the record stored under id, or -1
// when there is none.
func storedVisits(t *testing.T, s *sqlitestore.Store, id string) int {
	t.Helper()
	got, _, err := s.Get(context.Background(), id)
	if errors.Is(err, session.ErrNotFound) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return visitsOf(t, got)
}

// waitUntil yields until cond holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
	}
}

// plug holds s's writer: it takes the writing connection and has the
// writer take a write of its own ("plug"), which blocks the writer on its
// first statement until the returned function is called; the writes made
// in between queue. The returned function also waits for the plug's
// write.
func plug(t *testing.T, s *sqlitestore.Store) (release func()) {
	t.Helper()
	ctx := context.Background()
	hold, err := sqlitestore.HoldWriter(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	taken := sqlitestore.Taken(s)
	done := make(chan error, 1)
	go func() { done <- s.Set(ctx, "plug", rec, time.Now().Add(time.Hour)) }()
	waitUntil(t, "the writer takes the plug", func() bool { return sqlitestore.Taken(s) == taken+1 })
	return func() {
		t.Helper()
		if err := hold(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("plug: %v", err)
		}
	}
}

// result is what one queued write returned.
type result struct {
	merged []byte
	err    error
}

// queue starts each of writes in a goroutine of its own, in order, each
// once the previous one waits in the queue, and returns a channel per
// write with its result. The writer must be plugged.
func queue(t *testing.T, s *sqlitestore.Store, writes ...func() ([]byte, error)) []chan result {
	t.Helper()
	out := make([]chan result, len(writes))
	base := sqlitestore.Waiting(s)
	for i, w := range writes {
		out[i] = make(chan result, 1)
		go func() {
			merged, err := w()
			out[i] <- result{merged, err}
		}()
		waitUntil(t, fmt.Sprintf("write %d is queued", i), func() bool { return sqlitestore.Waiting(s) == base+i+1 })
	}
	return out
}

// TestConcurrentPatchesOneSession makes 100 concurrent increments of one
// session: all take effect, and each caller gets the record right after
// its own increment, so the counts returned are 1 to 100, each once.
func TestConcurrentPatchesOneSession(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	const n = 100
	exp := time.Now().Add(time.Hour)
	got := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			merged, err := s.Patch(context.Background(), "one", incr(), exp)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = visitsOf(t, merged)
		})
	}
	wg.Wait()
	slices.Sort(got)
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("sorted counts returned = %v, want 1..%d each once", got, n)
		}
	}
	if v := storedVisits(t, s, "one"); v != n {
		t.Fatalf("stored visits = %d, want %d", v, n)
	}
}

// TestConcurrentPatchesManySessions increments 20 sessions 30 times each,
// all at once, and some sessions' patches queued behind a held writer so
// that batches mix sessions: every count is exact, and each session's
// callers get 1 to 30.
func TestConcurrentPatchesManySessions(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	const sessions, each = 20, 30
	exp := time.Now().Add(time.Hour)
	var mu sync.Mutex
	got := map[string][]int{}
	var wg sync.WaitGroup
	release := plug(t, s)
	for i := range sessions * each {
		id := fmt.Sprint("s", i%sessions)
		wg.Go(func() {
			merged, err := s.Patch(context.Background(), id, incr(), exp)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[id] = append(got[id], visitsOf(t, merged))
			mu.Unlock()
		})
		if i == sessions*each/2 {
			release()
		}
	}
	wg.Wait()
	for i := range sessions {
		id := fmt.Sprint("s", i)
		c := got[id]
		slices.Sort(c)
		for j, v := range c {
			if v != j+1 {
				t.Fatalf("%s: sorted counts returned = %v, want 1..%d each once", id, c, each)
			}
		}
		if v := storedVisits(t, s, id); v != each || len(c) != each {
			t.Fatalf("%s: stored visits = %d after %d answers, want %d", id, v, len(c), each)
		}
	}
}

// TestBatchOrder runs one batch of patches with a Destroy, a Set, a Touch
// and a patch with a past expiry between them: each applies to what the
// previous ones left, in arrival order.
func TestBatchOrder(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	record := func(v int) []byte {
		return []byte(fmt.Sprintf(`{"cookie":{"path":"/"},"visits":%d}`, v))
	}
	if err := s.Set(ctx, "a", record(5), exp); err != nil {
		t.Fatal(err)
	}
	patch := func(expires time.Time) func() ([]byte, error) {
		return func() ([]byte, error) { return s.Patch(ctx, "a", incr(), expires) }
	}
	write := func(f func() error) func() ([]byte, error) {
		return func() ([]byte, error) { return nil, f() }
	}
	release := plug(t, s)
	res := queue(t, s,
		patch(exp), // 6
		write(func() error { return s.Destroy(ctx, "a") }),
		patch(exp), // 1: on no record
		write(func() error { return s.Set(ctx, "a", record(10), exp) }),
		patch(exp), // 11
		write(func() error { return s.Touch(ctx, "a", exp.Add(time.Hour)) }),
		patch(time.Now().Add(-time.Hour)), // 12, and deleted
		patch(exp),                        // 1 again
		patch(exp),                        // 2
		write(func() error { return s.Set(ctx, "b", record(7), exp) }),
	)
	release()
	want := []int{6, -2, 1, -2, 11, -2, 12, 1, 2, -2} // -2: no record returned
	for i, c := range res {
		r := <-c
		if r.err != nil {
			t.Fatalf("write %d: %v", i, r.err)
		}
		if want[i] == -2 {
			continue
		}
		if v := visitsOf(t, r.merged); v != want[i] {
			t.Errorf("write %d returned visits %d, want %d", i, v, want[i])
		}
	}
	if v := storedVisits(t, s, "a"); v != 2 {
		t.Errorf("stored visits of a = %d, want 2", v)
	}
	if v := storedVisits(t, s, "b"); v != 7 {
		t.Errorf("stored visits of b = %d, want 7", v)
	}
}

// TestBatchFailingPatch puts patches that do not apply in a batch with
// others: they fail alone, and leave their record as it was.
func TestBatchFailingPatch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	if err := s.Set(ctx, "str", []byte(`{"cookie":{"path":"/"},"visits":1,"name":"x"}`), exp); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "bad", []byte(`not json`), exp); err != nil {
		t.Fatal(err)
	}
	patch := func(id string, p *session.Patch) func() ([]byte, error) {
		return func() ([]byte, error) { return s.Patch(ctx, id, p, exp) }
	}
	bump := func(key string) *session.Patch { return storetest.NewPatch(nil, nil, map[string]int64{key: 1}) }
	release := plug(t, s)
	res := queue(t, s,
		patch("str", bump("visits")), // 2
		patch("str", bump("name")),   // not an integer
		patch("str", bump("visits")), // 3
		patch("bad", bump("visits")), // corrupt
		patch("new", bump("visits")), // 1
	)
	release()
	wantErr := []error{nil, session.ErrNotInteger, nil, session.ErrCorruptRecord, nil}
	wantVisits := []int{2, 0, 3, 0, 1}
	for i, c := range res {
		r := <-c
		if !errors.Is(r.err, wantErr[i]) || (wantErr[i] == nil) != (r.err == nil) {
			t.Fatalf("patch %d: error %v, want %v", i, r.err, wantErr[i])
		}
		if r.err == nil && visitsOf(t, r.merged) != wantVisits[i] {
			t.Errorf("patch %d returned %s, want visits %d", i, r.merged, wantVisits[i])
		}
	}
	if v := storedVisits(t, s, "str"); v != 3 {
		t.Errorf("stored visits of str = %d, want 3", v)
	}
	if v := storedVisits(t, s, "new"); v != 1 {
		t.Errorf("stored visits of new = %d, want 1", v)
	}
	if got, _, err := s.Get(ctx, "bad"); err != nil || string(got) != "not json" {
		t.Errorf("bad = %q, %v; want it unchanged", got, err)
	}
}

// TestBatchDriverError makes SQLite refuse one write of a batch (a
// trigger aborts it): every write of the batch fails, none is written,
// and the writer goes on with the next batch.
func TestBatchDriverError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := open(t, path, sqlitestore.Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	if err := s.Set(ctx, "a", rec, exp); err != nil { // visits 1
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER poison BEFORE INSERT ON sessions WHEN NEW.id = 'poison'
BEGIN SELECT RAISE(ABORT, 'poisoned'); END`); err != nil {
		t.Fatal(err)
	}
	release := plug(t, s)
	res := queue(t, s,
		func() ([]byte, error) { return s.Patch(ctx, "a", incr(), exp) },
		func() ([]byte, error) { return nil, s.Set(ctx, "b", rec, exp) },
		func() ([]byte, error) { return nil, s.Set(ctx, "poison", rec, exp) },
		func() ([]byte, error) { return s.Patch(ctx, "a", incr(), exp) },
	)
	release()
	for i, c := range res {
		if r := <-c; r.err == nil || !strings.Contains(r.err.Error(), "poisoned") || r.merged != nil {
			t.Errorf("write %d of the failed batch: %q, %v; want the driver's error", i, r.merged, r.err)
		}
	}
	if v := storedVisits(t, s, "a"); v != 1 {
		t.Errorf("stored visits of a = %d, want 1 (nothing of the batch written)", v)
	}
	if v := storedVisits(t, s, "b"); v != -1 {
		t.Errorf("b was written by the failed batch")
	}
	if merged, err := s.Patch(ctx, "a", incr(), exp); err != nil || visitsOf(t, merged) != 2 {
		t.Fatalf("Patch after the failed batch = %s, %v; want visits 2", merged, err)
	}
}

// TestWriteContextDone checks that a write whose context ends while it
// waits for a batch returns the context's error and writes nothing, and
// that one already taken into a batch waits for its result.
func TestWriteContextDone(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	exp := time.Now().Add(time.Hour)
	bg := context.Background()
	if err := s.Set(bg, "a", rec, exp); err != nil { // visits 1
		t.Fatal(err)
	}

	// Queued behind the plug, then cancelled: it leaves the queue at once.
	release := plug(t, s)
	ctx, cancel := context.WithCancel(bg)
	res := queue(t, s,
		func() ([]byte, error) { return s.Patch(ctx, "a", incr(), exp) },
		func() ([]byte, error) { return nil, s.Destroy(ctx, "a") },
		func() ([]byte, error) { return s.Patch(bg, "a", incr(), exp) },
	)
	cancel()
	for i := range 2 {
		if r := <-res[i]; !errors.Is(r.err, context.Canceled) || r.merged != nil {
			t.Fatalf("write %d cancelled in the queue = %q, %v; want context.Canceled", i, r.merged, r.err)
		}
	}
	if n := sqlitestore.Waiting(s); n != 1 {
		t.Fatalf("%d writes wait, want 1 (the cancelled ones left the queue)", n)
	}
	release()
	if r := <-res[2]; r.err != nil || visitsOf(t, r.merged) != 2 {
		t.Fatalf("the write after the cancelled ones = %s, %v; want visits 2", r.merged, r.err)
	}

	// Taken into a batch, then cancelled: it is written, and says so.
	hold, err := sqlitestore.HoldWriter(bg, s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(bg)
	defer cancel()
	taken := sqlitestore.Taken(s)
	c := make(chan result, 1)
	go func() {
		merged, err := s.Patch(ctx, "a", incr(), exp)
		c <- result{merged, err}
	}()
	waitUntil(t, "the writer takes the patch", func() bool { return sqlitestore.Taken(s) == taken+1 })
	cancel()
	if err := hold(); err != nil {
		t.Fatal(err)
	}
	if r := <-c; r.err != nil || visitsOf(t, r.merged) != 3 {
		t.Fatalf("patch cancelled after it was taken = %s, %v; want visits 3", r.merged, r.err)
	}

	// Done before the call: nothing is queued.
	if _, err := s.Patch(ctx, "a", incr(), exp); !errors.Is(err, context.Canceled) {
		t.Fatalf("Patch with a cancelled context = %v, want context.Canceled", err)
	}
	if v := storedVisits(t, s, "a"); v != 3 {
		t.Fatalf("stored visits = %d, want 3", v)
	}
}

// TestMoreThanABatch queues more writes than a batch takes behind the
// plug: they run in several batches, in arrival order, and all succeed.
func TestMoreThanABatch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	writes := make([]func() ([]byte, error), 2*sqlitestore.MaxBatch+3)
	for i := range writes {
		writes[i] = func() ([]byte, error) { return s.Patch(ctx, "m", incr(), exp) }
	}
	release := plug(t, s)
	res := queue(t, s, writes...)
	release()
	for i, c := range res {
		if r := <-c; r.err != nil || visitsOf(t, r.merged) != i+1 {
			t.Fatalf("patch %d = %s, %v; want visits %d", i, r.merged, r.err, i+1)
		}
	}
	if v := storedVisits(t, s, "m"); v != len(writes) {
		t.Fatalf("stored visits = %d, want %d", v, len(writes))
	}
}

// TestWriteAfterClose checks that writes after Close fail.
func TestWriteAfterClose(t *testing.T) {
	s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Set(ctx, "a", rec, time.Now().Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Set after Close = %v, want an error", err)
	}
	if _, err := s.Patch(ctx, "a", incr(), time.Now().Add(time.Hour)); err == nil {
		t.Errorf("Patch after Close succeeded")
	}
}

// A patch with a base (its session was loaded from a record) finds no
// live record when the record has expired or been destroyed since: it
// fails with session.ErrNotFound and writes nothing, so the Manager
// starts a new session instead of bringing the old ID back. Without a
// base, a patch of no record applies to an empty one.
func TestPatchOfAGoneRecord(t *testing.T) {
	var ahead atomic.Int64 // the store's clock runs this far ahead
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{SweepInterval: -1, Now: now})
	ctx := context.Background()
	base := []byte(`{"cookie":{"path":"/"},"visits":1}`)
	for _, gone := range []string{"expired", "destroyed"} {
		ahead.Store(0)
		id := "gone-" + gone
		if err := s.Set(ctx, id, base, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if gone == "expired" { // the row stays, a minute past its expiry
			ahead.Store(int64(2 * time.Minute))
		} else if err := s.Destroy(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Patch(ctx, id, storetest.NewPatchOn(base, nil, nil, map[string]int64{"visits": 1}), now().Add(time.Hour)); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("%s: Patch with a base = %v, want ErrNotFound", gone, err)
		}
		ahead.Store(0)
		if got, _, err := s.Get(ctx, id); gone == "expired" && (err != nil || string(got) != string(base)) {
			t.Fatalf("%s: after the refused patch the row holds %s, %v; want it unchanged", gone, got, err)
		} else if gone == "destroyed" && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("%s: after the refused patch Get = %v, want ErrNotFound", gone, err)
		}
		if gone == "expired" {
			ahead.Store(int64(2 * time.Minute))
		}
		merged, err := s.Patch(ctx, id, incr(), now().Add(time.Hour))
		if err != nil || visitsOf(t, merged) != 1 {
			t.Fatalf("%s: Patch without a base = %s, %v; want visits 1", gone, merged, err)
		}
	}
}
