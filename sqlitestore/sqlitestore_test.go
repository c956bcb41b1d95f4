package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sqlitestore"
	"github.com/sessionkit/session/storetest"

	_ "modernc.org/sqlite"
)

// discardLogger drops everything, so sweeper messages do not clutter
// test output.
func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// open returns a Store on path, closed when the test ends.
func open(t testing.TB, path string, o sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	s, err := sqlitestore.Open(path, o)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return s
}

// fakeClock is a clock the test advances by hand, safe for concurrent
// use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var rec = []byte(`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`)

func TestConformance(t *testing.T) {
	t.Run("StorePerTest", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) session.Store {
			return open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
		})
	})
	t.Run("SharedStore", func(t *testing.T) {
		s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{SweepInterval: 100 * time.Millisecond})
		storetest.Run(t, func(t *testing.T) session.Store { return s })
	})
}

// TestTwoStoresOneFile patches one session through two Stores on the same
// file, as two processes would: the IMMEDIATE transactions and the busy
// timeout keep every increment.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	a := open(t, path, sqlitestore.Options{})
	b := open(t, path, sqlitestore.Options{})
	ctx := context.Background()
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range 2 * n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, err := s.Patch(ctx, "shared", storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := a.Get(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if m["visits"] != float64(2*n) {
		t.Fatalf("visits = %v, want %d", m["visits"], 2*n)
	}
}

// TestDurable checks that sessions survive a restart: a record set before
// Close is there after Open on the same file.
func TestDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "sessions.db") // parents created
	ctx := context.Background()
	s, err := sqlitestore.Open(path, sqlitestore.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "kept", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Patch(ctx, "patched", storetest.NewPatch(nil, nil, map[string]int64{"visits": 7}), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
	if _, _, err := s.Get(ctx, "kept"); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get after Close: %v, want a closed-database error", err)
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v, want no group or other access", p, perm)
		}
	}

	s2 := open(t, path, sqlitestore.Options{})
	got, _, err := s2.Get(ctx, "kept")
	if err != nil {
		t.Fatalf("after re-Open: %v", err)
	}
	if !bytes.Equal(got, rec) {
		t.Fatalf("after re-Open: %s, want %s", got, rec)
	}
	got, _, err = s2.Get(ctx, "patched")
	if err != nil || !strings.Contains(string(got), `"visits":7`) {
		t.Fatalf("patched record after re-Open: %s, %v", got, err)
	}
}

// Options.Durable opens the writer with synchronous=FULL, the default
// with NORMAL; a durable Store works like any other.
func TestDurableOption(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		durable bool
		want    int
	}{{false, 1}, {true, 2}} {
		path := filepath.Join(t.TempDir(), "sessions.db")
		s := open(t, path, sqlitestore.Options{Durable: c.durable})
		if got, err := sqlitestore.Synchronous(ctx, s); err != nil || got != c.want {
			t.Errorf("Durable %v: PRAGMA synchronous = %d, %v; want %d", c.durable, got, err, c.want)
		}
		if _, err := s.Patch(ctx, "id", storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Durable %v: Patch: %v", c.durable, err)
		}
		if got, _, err := s.Get(ctx, "id"); err != nil || !strings.Contains(string(got), `"visits":1`) {
			t.Errorf("Durable %v: Get = %s, %v", c.durable, got, err)
		}
	}
}

// TestSweep checks that Sweep deletes exactly the expired rows, and that
// Get, Touch and Patch treat an expired row not swept yet as missing.
func TestSweep(t *testing.T) {
	c := &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{SweepInterval: -1, Now: c.Now})
	ctx := context.Background()
	start := c.Now()
	live := map[string]bool{}
	for i := range 2500 { // more than one sweep batch expires
		id := fmt.Sprint("s", i)
		exp := start.Add(time.Second)
		if i%5 == 0 {
			exp, live[id] = start.Add(time.Hour), true
		}
		if err := s.Set(ctx, id, rec, exp); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("Sweep before any expiry = %d, %v; want 0, nil", n, err)
	}
	c.Advance(time.Second) // expires == now counts as expired

	if _, _, err := s.Get(ctx, "s1"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get(expired, unswept) = %v, want ErrNotFound", err)
	}
	if err := s.Touch(ctx, "s1", start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "s1"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Touch revived an expired record: Get = %v", err)
	}
	merged, err := s.Patch(ctx, "s2", storetest.NewPatch(nil, nil, map[string]int64{"n": 1}), start.Add(time.Hour))
	if err != nil || strings.Contains(string(merged), "visits") {
		t.Fatalf("Patch of an expired record merged with it: %s, %v", merged, err)
	}
	live["s2"] = true

	if n, err := s.Len(ctx); n != 2500 || err != nil {
		t.Fatalf("Len before Sweep = %d, %v; want 2500", n, err)
	}
	n, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2500 - len(live); n != want {
		t.Fatalf("Sweep = %d, want %d", n, want)
	}
	if n, err := s.Len(ctx); n != len(live) || err != nil {
		t.Fatalf("Len after Sweep = %d, %v; want %d", n, err, len(live))
	}
	for id := range live {
		if _, _, err := s.Get(ctx, id); err != nil {
			t.Fatalf("live record %s: %v", id, err)
		}
	}
	if n, err := s.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("second Sweep = %d, %v; want 0, nil", n, err)
	}
}

// TestPastExpiry checks that Set, Touch and Patch to an expiry already
// past delete the record.
func TestPastExpiry(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	ctx := context.Background()
	past := time.Now().Add(-time.Second)
	for name, kill := range map[string]func(id string) error{
		"Set":   func(id string) error { return s.Set(ctx, id, rec, past) },
		"Touch": func(id string) error { return s.Touch(ctx, id, past) },
		"Patch": func(id string) error {
			_, err := s.Patch(ctx, id, storetest.NewPatch(nil, nil, nil), past)
			return err
		},
	} {
		if err := s.Set(ctx, name, rec, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := kill(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, err := s.Get(ctx, name); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("%s to a past expiry: Get = %v, want ErrNotFound", name, err)
		}
	}
	if n, err := s.Len(ctx); n != 0 || err != nil {
		t.Fatalf("Len = %d, %v; want 0 (rows deleted, not left to the sweeper)", n, err)
	}
}

// TestPatchError checks that a failing Apply rolls back and leaves the
// record as it was.
func TestPatchError(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), sqlitestore.Options{})
	ctx := context.Background()
	stored := []byte(`{"cookie":{"path":"/"},"visits":"many"}`)
	if err := s.Set(ctx, "id", stored, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Patch(ctx, "id", storetest.NewPatch(nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
	if !errors.Is(err, session.ErrNotInteger) {
		t.Fatalf("Patch incrementing a string = %v, want ErrNotInteger", err)
	}
	if err := s.Set(ctx, "bad", []byte("not json"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Patch(ctx, "bad", storetest.NewPatch(nil, nil, nil), time.Now().Add(time.Hour))
	if !errors.Is(err, session.ErrCorruptRecord) {
		t.Fatalf("Patch of a corrupt record = %v, want ErrCorruptRecord", err)
	}
	got, _, err := s.Get(ctx, "id")
	if err != nil || !bytes.Equal(got, stored) {
		t.Fatalf("after a failed Patch: %s, %v; want %s", got, err, stored)
	}
	// The writer is free again: a failed Patch did not leak its transaction.
	if err := s.Set(ctx, "id", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// TestNotADatabase checks that Open refuses a file that is not a SQLite
// database, or whose sessions table is someone else's, with an error
// naming the file, and leaves the file as it was.
func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.db")
	s := open(t, valid, sqlitestore.Options{})
	if err := s.Set(context.Background(), "id", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	badHeader := bytes.Clone(db)
	copy(badHeader, "SQLite format 9\x00")

	other := filepath.Join(dir, "other.db")
	odb, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.Exec("CREATE TABLE sessions (sid TEXT PRIMARY KEY, sess TEXT, expired INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := odb.Close(); err != nil {
		t.Fatal(err)
	}

	for name, c := range map[string]struct {
		content []byte // nil: leave the file as it is
		want    string
	}{
		"text":       {[]byte(strings.Repeat("these are not the sessions you are looking for\n", 100)), "not a database"},
		"short text": {[]byte("hello\n"), "not a database"},
		"bad header": {badHeader, "not a database"},
		"other":      {nil, "another schema"},
	} {
		t.Run(name, func(t *testing.T) {
			path := other
			if c.content != nil {
				path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
				if err := os.WriteFile(path, c.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := sqlitestore.Open(path, sqlitestore.Options{Logger: discardLogger()})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, c.want) {
				t.Fatalf("Open error %q, want one naming %s and saying %q", msg, path, c.want)
			}
			t.Logf("Open: %v", err)
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("Open modified the file")
			}
		})
	}
}

// TestUnwritablePath checks that Open fails with a clear error where the
// database cannot be created.
func TestUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct{ path, want string }{
		"parent is a file": {filepath.Join(file, "sessions.db"), "not a directory"},
		"path is a dir":    {dir, "is a directory"},
		"empty":            {"", "not a database file path"},
		"memory":           {":memory:", "not a database file path"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases["read-only dir"] = struct{ path, want string }{filepath.Join(ro, "sessions.db"), "permission denied"}
		roSub := filepath.Join(ro, "sub", "sessions.db")
		cases["read-only parent"] = struct{ path, want string }{roSub, "permission denied"}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := sqlitestore.Open(c.path, sqlitestore.Options{Logger: discardLogger()})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open error %q, want one saying %q", err, c.want)
			}
			t.Logf("Open: %v", err)
		})
	}
}

// TestReadOnlyFile checks that Open fails on a database file it may not
// write, rather than returning a Store whose every write fails.
func TestReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write a read-only file")
	}
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := open(t, path, sqlitestore.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	s, err := sqlitestore.Open(path, sqlitestore.Options{Logger: discardLogger()})
	if err == nil {
		s.Close()
		t.Fatal("Open of a read-only file succeeded")
	}
	t.Logf("Open: %v", err)
}

// TestPathNeedsNoEscaping checks that characters special in URIs are
// taken literally in the path.
func TestPathNeedsNoEscaping(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a b?c#d%20e&_txlock=x.db")
	s := open(t, path, sqlitestore.Options{})
	if err := s.Set(context.Background(), "id", rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}
