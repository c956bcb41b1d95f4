package memstore

import (
	"math/rand/v2"
	"testing"
)

// The table agrees with a map through many random additions and
// removals, in a small table where probes collide and wrap around, and
// with IDs that share all but their last byte.
func TestIDTable(t *testing.T) {
	var mem chunks
	defer mem.release()
	var ents entryTable
	tab := newIDTable()
	want := make(map[[idLen]byte]uint32)
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() [idLen]byte {
		var k [idLen]byte
		k[idLen-1] = byte(rng.IntN(200))
		k[0] = byte(rng.IntN(2))
		return k
	}
	for range 20_000 {
		k := key()
		i, ok := want[k]
		if ok != (tab.find(&k, &ents) >= 0) {
			t.Fatalf("find(%x) = %v, want %v", k, !ok, ok)
		}
		if ok {
			if got, _ := tab.get(&k, &ents); got != i {
				t.Fatalf("get(%x) = %d, want %d", k, got, i)
			}
			tab.remove(&k, &ents)
			ents.release(i)
			delete(want, k)
		} else {
			i := ents.alloc(&mem)
			ents.at(i).id = k
			tab.add(i, &ents)
			want[k] = i
		}
		if tab.n != len(want) || 2*tab.n > len(tab.slots) {
			t.Fatalf("%d entries in %d slots, want %d", tab.n, len(tab.slots), len(want))
		}
	}
	for k, i := range want {
		if got, ok := tab.get(&k, &ents); !ok || got != i {
			t.Fatalf("get(%x) = %d, %v; want %d", k, got, ok, i)
		}
	}
}

func TestTableSize(t *testing.T) {
	for n, want := range map[int]int{0: 16, 1: 16, 8: 16, 9: 32, 100: 256, 100_000: 262144} {
		if got := tableSize(n); got != want {
			t.Errorf("tableSize(%d) = %d, want %d", n, got, want)
		}
	}
}
