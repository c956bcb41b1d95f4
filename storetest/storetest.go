// Package storetest is the conformance suite every session.Store in this
// module passes: get, set, destroy, touch, expiry, missing keys, large
// records, concurrent saves, context cancellation and timeouts, and, for a
// session.Patcher, atomic partial saves; the expiry Get reads with the
// record, through the store and through the HTTP middleware; for a session.UserIndex, the sessions of a signed-in
// user found after every kind of write and gone after destroy, expiry,
// sign-out and a change of user. A store's test calls Run with a function that returns
// the store under test, connected to a real server.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// Run runs the suite. newStore returns the store under test; it may return
// the same store each time: every subtest uses IDs of its own.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Run("GetMissing", func(t *testing.T) { getMissing(t, newStore(t)) })
	t.Run("SetGet", func(t *testing.T) { setGet(t, newStore(t)) })
	t.Run("Overwrite", func(t *testing.T) { overwrite(t, newStore(t)) })
	t.Run("Destroy", func(t *testing.T) { destroy(t, newStore(t)) })
	t.Run("LargeRecord", func(t *testing.T) { largeRecord(t, newStore(t)) })
	t.Run("ConcurrentSets", func(t *testing.T) { concurrentSets(t, newStore(t)) })
	t.Run("Context", func(t *testing.T) { contextDone(t, newStore(t)) })
	t.Run("Expiry", func(t *testing.T) { t.Parallel(); expiry(t, newStore(t)) })
	t.Run("Touch", func(t *testing.T) { t.Parallel(); touch(t, newStore(t)) })
	t.Run("GetExpiry", func(t *testing.T) { t.Parallel(); getExpiry(t, newStore(t)) })
	t.Run("Patch", func(t *testing.T) { patch(t, newStore(t)) })
	t.Run("Middleware", func(t *testing.T) { middleware(t, newStore(t)) })
	t.Run("UserIndex", func(t *testing.T) { t.Parallel(); userIndex(t, newStore(t)) })
}

// newID returns an ID no other subtest uses, even across runs on one server.
func newID(t *testing.T) string {
	t.Helper()
	id, err := session.NewID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func record(visits int, extra string) []byte {
	return []byte(`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":` +
		strconv.Itoa(visits) + extra + `}`)
}

// sameJSON fails unless got and want hold the same JSON value.
func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("stored record is not JSON: %v: %.200s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("record:\n got %.300s\nwant %.300s", got, want)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustNotFound(t *testing.T, s session.Store, id string) {
	t.Helper()
	b, _, err := s.Get(ctx(t), id)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get(%s) = %.100q, %v; want ErrNotFound", id, b, err)
	}
}

func getMissing(t *testing.T, s session.Store) {
	mustNotFound(t, s, newID(t))
}

func setGet(t *testing.T, s session.Store) {
	id := newID(t)
	rec := record(1, `,"user":"alice","cart":["a","b"],"n":null,"u":"é\u2028"`)
	if err := s.Set(ctx(t), id, rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, rec)
}

func overwrite(t *testing.T, s session.Store) {
	id := newID(t)
	for i := 1; i <= 3; i++ {
		if err := s.Set(ctx(t), id, record(i, ""), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, record(3, ""))
}

func destroy(t *testing.T, s session.Store) {
	id := newID(t)
	if err := s.Set(ctx(t), id, record(1, ""), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, s, id)
	if err := s.Destroy(ctx(t), id); err != nil {
		t.Fatalf("Destroy of a missing record: %v, want nil", err)
	}
}

func largeRecord(t *testing.T, s session.Store) {
	id := newID(t)
	rec := record(1, `,"blob":"`+strings.Repeat("x", 1<<20)+`"`)
	if err := s.Set(ctx(t), id, rec, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, got, rec)
}

func concurrentSets(t *testing.T, s session.Store) {
	const n = 50
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newID(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Set(ctx(t), id, record(i, ""), time.Now().Add(time.Hour))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		got, _, err := s.Get(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, got, record(i, ""))
	}
}

func contextDone(t *testing.T, s session.Store) {
	id := newID(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for name, c := range map[string]context.Context{"cancelled": cancelled, "deadline passed": expired} {
		if _, _, err := s.Get(c, id); err == nil || errors.Is(err, session.ErrNotFound) {
			t.Errorf("%s: Get error %v, want the context's error", name, err)
		}
		if err := s.Set(c, id, record(1, ""), time.Now().Add(time.Hour)); err == nil {
			t.Errorf("%s: Set succeeded", name)
		}
	}
	mustNotFound(t, s, id) // nothing was written
}

// waitGone polls (bounded) until id has expired.
func waitGone(t *testing.T, s session.Store, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, _, err := s.Get(ctx(t), id)
		if errors.Is(err, session.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s still there %v after its expiry", id, within)
		}
		time.Sleep(50 * time.Millisecond) // polling a real server's clock, not synchronisation
	}
}

func expiry(t *testing.T, s session.Store) {
	past := newID(t)
	if err := s.Set(ctx(t), past, record(1, ""), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	mustNotFound(t, s, past)

	soon := newID(t)
	if err := s.Set(ctx(t), soon, record(1, ""), time.Now().Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx(t), soon); err != nil {
		t.Fatalf("record gone before its expiry: %v", err)
	}
	waitGone(t, s, soon, 4*time.Second)
}

func touch(t *testing.T, s session.Store) {
	toucher, ok := s.(session.Toucher)
	if !ok {
		t.Skip("store does not implement session.Toucher")
	}
	id := newID(t)
	if err := s.Set(ctx(t), id, record(1, ""), time.Now().Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := toucher.Touch(ctx(t), id, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	other := newID(t)
	if err := s.Set(ctx(t), other, record(1, ""), time.Now().Add(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	waitGone(t, s, other, 4*time.Second) // the untouched twin expires...
	got, _, err := s.Get(ctx(t), id)     // ...the touched one lives on, unchanged
	if err != nil {
		t.Fatalf("touched record expired: %v", err)
	}
	sameJSON(t, got, record(1, ""))
	if err := toucher.Touch(ctx(t), newID(t), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Touch of a missing record: %v, want nil", err)
	}
}

func patch(t *testing.T, s session.Store) {
	p, ok := s.(session.Patcher)
	if !ok {
		t.Skip("store does not implement session.Patcher")
	}
	const n = 200
	id := newID(t)
	first := record(0, `,"keep":true`)
	if err := s.Set(ctx(t), id, first, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() { // each request sets a key of its own...
			defer wg.Done()
			_, err := p.Patch(ctx(t), id, NewPatch(map[string]json.RawMessage{fmt.Sprint("k", i): json.RawMessage(strconv.Itoa(i))}, nil, nil), time.Now().Add(time.Hour))
			errs <- err
		}()
		go func() { // ...and increments a shared counter, half of them
			defer wg.Done() // from the first record, soon stale (Patch.Base)
			pt := NewPatch(nil, nil, map[string]int64{"visits": 1})
			if i%2 == 0 {
				pt = NewPatchOn(first, nil, nil, map[string]int64{"visits": 1})
			}
			_, err := p.Patch(ctx(t), id, pt, time.Now().Add(time.Hour))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for i := range n {
		if m[fmt.Sprint("k", i)] != float64(i) {
			lost++
		}
	}
	if lost > 0 || m["visits"] != float64(n) || m["keep"] != true {
		t.Fatalf("after %d concurrent patches: %d keys lost, visits %v (want %d), keep %v", 2*n, lost, m["visits"], n, m["keep"])
	}

	// A base that is no longer stored is only a hint: the patch applies to
	// what is stored. A base that is stored is what the patch applies to.
	for i, base := range [][]byte{nil, first, nil, []byte("not json")} {
		cur, _, _ := s.Get(ctx(t), id)
		if i == 0 {
			base = cur // the fresh base
		}
		merged, err := p.Patch(ctx(t), id, NewPatchOn(base, nil, nil, map[string]int64{"visits": 1}), time.Now().Add(time.Hour))
		var before, after map[string]any
		if err != nil || json.Unmarshal(cur, &before) != nil || json.Unmarshal(merged, &after) != nil ||
			after["visits"] != before["visits"].(float64)+1 || after["keep"] != true {
			t.Fatalf("patch with base %.60s on %.60s: %v, %.200s", base, cur, err, merged)
		}
	}

	// Deleting through a patch, and a patch on no record.
	merged, err := p.Patch(ctx(t), id, NewPatch(nil, []string{"keep", "k0"}, nil), time.Now().Add(time.Hour))
	if err != nil || strings.Contains(string(merged), `"keep"`) || strings.Contains(string(merged), `"k0"`) {
		t.Fatalf("delete by patch: %v, %.200s", err, merged)
	}
	fresh := newID(t)
	if _, err := p.Patch(ctx(t), fresh, NewPatch(nil, nil, map[string]int64{"visits": 5}), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.Get(ctx(t), fresh)
	if !strings.Contains(string(got), `"visits":5`) {
		t.Fatalf("patch of a missing record: %s", got)
	}
}

// middleware checks, through the HTTP middleware: 200 concurrent requests
// on one session, each setting its own key, keep all 200; 100 parallel
// visits that increment one counter add exactly 100.
func middleware(t *testing.T, s session.Store) {
	m, err := session.New(session.Options{
		Secrets: []string{"storetest-secret-storetest-secret-1234"},
		Store:   s,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		if k := r.URL.Query().Get("set"); k != "" {
			if err := sess.Set(k, true); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
			return
		}
		n, err := sess.Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, n)
	}))
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", "/", nil))
	cookie, _, _ := strings.Cut(first.Header().Get("Set-Cookie"), ";")
	if first.Code != 200 || cookie == "" || first.Body.String() != "1" {
		t.Fatalf("first visit: %d %q cookie %q", first.Code, first.Body, cookie)
	}
	const keys, visits = 200, 100
	var wg sync.WaitGroup
	codes := make(chan int, keys+visits)
	send := func(target string) {
		defer wg.Done()
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		codes <- w.Code
	}
	for i := range keys {
		wg.Add(1)
		go send(fmt.Sprintf("/?set=k%d", i))
	}
	for range visits - 1 {
		wg.Add(1)
		go send("/")
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("concurrent request: status %d", c)
		}
	}
	id, err := session.Unsign(strings.NewReplacer("%3A", ":", "%2F", "/", "%2B", "+").Replace(strings.TrimPrefix(cookie, "connect.sid=s%3A")), "storetest-secret-storetest-secret-1234")
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(got, &rec); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for i := range keys {
		if rec[fmt.Sprint("k", i)] != true {
			lost++
		}
	}
	if lost > 0 || rec["visits"] != float64(visits) {
		t.Fatalf("through the middleware: %d of %d keys lost, visits %v, want %d", lost, keys, rec["visits"], visits)
	}
}
