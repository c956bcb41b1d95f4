package memstore

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// recordCases are records of every shape: each must come back byte for
// byte.
var recordCases = []string{
	`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":1}`,
	`{"cookie":{"originalMaxAge":3600000,"expires":"2025-01-02T04:04:05.000Z","httpOnly":true,"path":"/"},"visits":2}`,
	`{"cookie":{"originalMaxAge":null,"httpOnly":true,"path":"/"},"visits":1}`, // no expires
	`{"cookie":{"expires":null}}`,                         // nothing else
	`{"cookie":{"expires":"a \"quoted\" \\ date"},"x":1}`, // escapes
	`{"cookie":{"originalMaxAge":1,"expires":null,"domain":"a.example","priority":"high","partitioned":true,"x":{"expires":"inner"},"y":["}"]},"passport":{"user":"u"}}`,
	`{"cookie":{"path":"/","expires":"z","expires":"dup"},"a":1}`, // duplicate: the first is cut
	`{"cookie":{"expires":12345},"a":1}`,                          // not a string or null: whole
	`{"cookie":{"expires":null`,                                   // truncated
	`{"cookie":{"expires":"unterminated`,
	`{"cookie":{"path":"}"}}`,
	`{"cookie":{"expires":null}}trailing garbage`,
	`{"cookie":null,"visits":1}`, // not an object: whole
	`{"visits":1,"cookie":{"expires":null}}`,
	`{"cookie":{"expires":"` + strings.Repeat("x", 70_000) + `"},"a":1}`, // too long to intern: whole
	`{"cookie":{"path":"` + strings.Repeat("x", 5000) + `","expires":null},"a":1}`,
	`{}`, ``, `null`, "\x00\xff binary", `{"cookie":{`, `{"cookie":{}}`, `{"cookie":{"expires":`,
}

func TestRecordRoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	defer s.Close()
	ctx := context.Background()
	for i, rec := range recordCases {
		id := fmt.Sprint("id", i)
		if err := s.Set(ctx, id, []byte(rec), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for i, rec := range recordCases {
		got, _, err := s.Get(ctx, fmt.Sprint("id", i))
		if err != nil || string(got) != rec {
			t.Errorf("Get = %q, %v; want %q", got, err, rec)
		}
	}
}

func TestSplitCookie(t *testing.T) {
	tests := []struct {
		rec       string
		ok        bool
		exp, tmpl string
	}{
		{recordCases[0], true, "null", `{"cookie":{"originalMaxAge":null,"expires":,"httpOnly":true,"path":"/","sameSite":"lax"}`},
		{recordCases[1], true, `"2025-01-02T04:04:05.000Z"`, `{"cookie":{"originalMaxAge":3600000,"expires":,"httpOnly":true,"path":"/"}`},
		{recordCases[2], true, "", `{"cookie":{"originalMaxAge":null,"httpOnly":true,"path":"/"}`},
		{recordCases[5], true, "null", `{"cookie":{"originalMaxAge":1,"expires":,"domain":"a.example","priority":"high","partitioned":true,"x":{"expires":"inner"},"y":["}"]}`},
		{recordCases[7], false, "", ""},
		{recordCases[8], false, "", ""},
		{recordCases[12], false, "", ""},
		{`{"cookie":{"expires":"x"}}`, true, `"x"`, `{"cookie":{"expires":}`},
	}
	for _, tt := range tests {
		vs, ve, end, ok := splitCookie([]byte(tt.rec))
		if ok != tt.ok {
			t.Errorf("splitCookie(%q) ok = %v, want %v", tt.rec, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if exp, tmpl := tt.rec[vs:ve], tt.rec[:vs]+tt.rec[ve:end]; exp != tt.exp || tmpl != tt.tmpl {
			t.Errorf("splitCookie(%q): expires %q, template %q; want %q, %q", tt.rec, exp, tmpl, tt.exp, tt.tmpl)
		}
	}
}

// One template serves every record of the same cookie, and goes with
// the last of them, however it goes: replaced, destroyed, evicted,
// expired or touched to the past.
func TestTemplateRefcounts(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }, MaxSessions: 5, Logger: discard()})
	defer s.Close()
	ctx := context.Background()
	rec := func(exp string, n int) []byte {
		return fmt.Appendf(nil, `{"cookie":{"originalMaxAge":60000,"expires":%s,"httpOnly":true,"path":"/"},"n":%d}`, exp, n)
	}
	check := func(when string, templates int, refs ...int) {
		t.Helper()
		s.mu.RLock()
		defer s.mu.RUnlock()
		if len(s.tmpls.ids) != templates {
			t.Errorf("%s: %d templates, want %d", when, len(s.tmpls.ids), templates)
		}
		var got []int
		for _, tp := range s.tmpls.list[1:] {
			if tp.refs > 0 {
				got = append(got, tp.refs)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(refs) {
			t.Errorf("%s: references %v, want %v", when, got, refs)
		}
	}
	for i := range 5 {
		exp := fmt.Sprintf(`"2027-01-01T00:00:0%d.000Z"`, i)
		if err := s.Set(ctx, fmt.Sprint("id", i), rec(exp, i), now.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	check("5 records", 1, 5)
	other := []byte(`{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"n":0}`)
	if err := s.Set(ctx, "id4", other, now.Add(time.Hour)); err != nil { // replaced
		t.Fatal(err)
	}
	check("one replaced", 2, 4, 1)
	if err := s.Set(ctx, "new", rec("null", 9), now.Add(time.Hour)); err != nil { // evicts id0
		t.Fatal(err)
	}
	check("one evicted", 2, 4, 1)
	if err := s.Destroy(ctx, "id1"); err != nil {
		t.Fatal(err)
	}
	check("one destroyed", 2, 3, 1)
	if err := s.Touch(ctx, "id2", now); err != nil {
		t.Fatal(err)
	}
	check("one touched to now", 2, 2, 1)
	now = now.Add(5 * time.Minute)
	if n := s.Sweep(); n != 1 {
		t.Fatalf("Sweep() = %d, want 1", n)
	}
	check("one swept", 2, 1, 1)
	if err := s.Set(ctx, "new", []byte(`{"plain":1}`), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("the last replaced by a record without cookie", 1, 1)
	if err := s.Destroy(ctx, "id4"); err != nil {
		t.Fatal(err)
	}
	check("all gone", 0)
	if err := s.Set(ctx, "again", rec("null", 1), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("a template again", 1, 1)
	if len(s.tmpls.list) != 3 {
		t.Errorf("%d template slots, want 3: freed ones are reused", len(s.tmpls.list))
	}
	if got, _, _ := s.Get(ctx, "again"); !bytes.Equal(got, rec("null", 1)) {
		t.Errorf("Get = %q", got)
	}
}

func FuzzRecordRoundTrip(f *testing.F) {
	for _, rec := range recordCases {
		f.Add([]byte(rec), []byte(recordCases[0]))
	}
	now := time.Unix(1_800_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }, MaxSessions: 64, Logger: discard()})
	defer s.Close()
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, a, b []byte) {
		n++
		ida, idb := fmt.Sprint("a", n%100), fmt.Sprint("b", n%100)
		for _, p := range [...]struct {
			id  string
			rec []byte
		}{{ida, a}, {idb, b}, {ida, b}, {idb, a}} {
			if err := s.Set(ctx, p.id, p.rec, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.Get(ctx, p.id)
			if err != nil || !bytes.Equal(got, p.rec) {
				t.Fatalf("Get = %q, %v; want %q", got, err, p.rec)
			}
		}
	})
}
