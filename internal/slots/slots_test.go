package slots

import (
	"fmt"
	"testing"
)

type entry struct{ key, val string }

func is(key string) func(*entry) bool { return func(e *entry) bool { return e.key == key } }

func TestTable(t *testing.T) {
	if got := len(New[entry](1000).slots); got != 1024 {
		t.Fatalf("New(1000) has %d slots, want 1024", got)
	}
	tb := New[entry](64)
	tb.Keep("a", &entry{"a", "1"}, is("a"))
	tb.Keep("a", &entry{"a", "2"}, is("a")) // replaces, not a second entry
	if e := tb.Find("a", is("a")); e == nil || e.val != "2" {
		t.Fatalf("Find(a) = %v, want the latest entry", e)
	}
	a, b := tb.Pair("a")
	if n := count(a.Load(), "a") + count(b.Load(), "a"); n != 1 {
		t.Fatalf("a is in %d slots, want 1", n)
	}
	if e := tb.Find("b", is("b")); e != nil {
		t.Fatalf("Find(b) = %v before b was kept", e)
	}
	// Drop leaves another key's entry in a shared slot alone.
	a.Store(&entry{"other", "x"})
	tb.Drop("a", is("a"))
	if e := tb.Find("a", is("a")); e != nil {
		t.Fatalf("Find(a) = %v after Drop", e)
	}
	if e := a.Load(); e == nil || e.key != "other" {
		t.Fatalf("Drop(a) removed %v", e)
	}
}

// With two slots a key, a table a quarter full keeps nearly every key.
func TestTwoChoices(t *testing.T) {
	tb := New[entry](4096)
	for i := range 1000 {
		k := fmt.Sprint("k", i)
		tb.Keep(k, &entry{k, ""}, is(k))
	}
	kept := 0
	for i := range 1000 {
		k := fmt.Sprint("k", i)
		if tb.Find(k, is(k)) != nil {
			kept++
		}
	}
	if kept < 950 {
		t.Fatalf("%d of 1000 keys kept, want at least 950", kept)
	}
}

func count(e *entry, key string) int {
	if e != nil && e.key == key {
		return 1
	}
	return 0
}
