package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sessionkit/session/internal/patchhook"
)

// Patcher is a Store that applies the change one request made to a
// session atomically on top of the latest stored record (under a lock, in
// a transaction, with WATCH/MULTI...). With it, two requests of one
// session that change different keys both keep their change, and
// increments add up, where a whole-record Set would keep only the last
// writer's record (expressjs/session#606, gorilla/sessions#10). The
// Manager uses it for every save of a loaded session; new and regenerated
// sessions, which no other request can know, are written with Set.
type Patcher interface {
	// Patch applies p to the record under id (none is an empty record)
	// with p.Apply, stores the result until expires, and returns it.
	// When p has a base (p.Base: the session was loaded from a record)
	// and no live record is left under id (it expired or was destroyed
	// since), Patch may instead return an error wrapping ErrNotFound and
	// write nothing: the Manager then starts a new session under a new ID
	// rather than bring the old ID back with only p's changes.
	Patch(ctx context.Context, id string, p *Patch, expires time.Time) ([]byte, error)
}

// Patch is the change one request made to a session: the keys it set and
// deleted, the increments it asked for, and its cookie attributes. Stores
// treat it as opaque and call Apply.
type Patch struct {
	cookie  cookieData
	created int64
	set     map[string]json.RawMessage
	del     []string
	add     map[string]int64
	base    []byte
}

// Base returns the record the patch's session last read from or wrote to
// the store, or nil when there is none. It is a hint for stores that write
// with a compare-and-set, in one round trip: apply the patch to Base, and
// write the result only if the store still holds exactly Base; otherwise
// apply it again to what the store holds. A stale Base costs a retry,
// never a lost write.
func (p *Patch) Base() []byte { return p.base }

// Apply returns the stored record with the patch applied: the patch's cookie, its
// keys set or deleted, its increments added to the stored values (a
// missing value counts as 0). A nil or empty record is an empty session.
// It returns an error wrapping ErrCorruptRecord for a record that is not
// an express-session object, or ErrNotInteger for an increment of a
// non-integer value.
func (p *Patch) Apply(stored []byte) ([]byte, error) {
	if out, ok := p.applyFlat(stored); ok {
		return out, nil
	}
	return p.applyDecoded(stored)
}

// applyDecoded is Apply by way of a decoded record: it takes every record,
// and reports every error.
func (p *Patch) applyDecoded(stored []byte) ([]byte, error) {
	rec := &record{vals: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(stored)) > 0 {
		var err error
		if rec, err = decodeRecord(stored); err != nil {
			return nil, err
		}
	}
	if err := p.applyTo(rec); err != nil {
		return nil, err
	}
	return appendRecord(make([]byte, 0, len(stored)+64), &rec.cookie, rec.keys, rec.vals, rec.created), nil
}

// flatMembers is how many data members applyFlat handles: its working
// set lives on the stack.
const flatMembers = 16

// flatMember is a data member of a stored record: its key, unquoted and
// without escapes, and its raw value.
type flatMember struct{ key, val []byte }

// applyFlat is Apply without a map, for the usual record: at most
// flatMembers members, keys of plain ASCII without escapes or duplicates,
// and a patch that applies (its increments are of integers). It produces
// exactly what applyDecoded does, and reports false, for applyDecoded to
// take over, for anything else.
func (p *Patch) applyFlat(stored []byte) ([]byte, bool) {
	i := skipJSONSpace(stored, 0)
	if i >= len(stored) || stored[i] != '{' {
		return nil, false
	}
	// A record the session itself read or wrote (its base) has a valid
	// cookie: no need to decode it again.
	trusted := p.base != nil && bytes.Equal(stored, p.base)
	var buf [flatMembers]flatMember
	ms := buf[:0]
	var created int64
	sc := memberScanner{b: stored, i: i, depth: 1}
	for k, v := range sc.members() {
		key := k[1 : len(k)-1]
		for _, c := range key {
			if c < 0x20 || c >= 0x7f || c == '\\' {
				return nil, false
			}
		}
		switch string(key) {
		case "cookie":
			if v[0] != '{' {
				return nil, false // applyDecoded reports the corrupt record
			}
			if !trusted {
				var c cookieData
				if c.decode(v) != nil {
					return nil, false
				}
			}
			continue // the patch's cookie replaces it
		case createdKey:
			created = 0
			if jsonKind(v) == '0' {
				if ms, err := strconv.ParseFloat(string(v), 64); err == nil && ms > 0 {
					created = int64(ms)
				}
			}
			continue
		}
		if len(ms) == flatMembers || flatIndex(ms, string(key)) >= 0 {
			return nil, false
		}
		ms = append(ms, flatMember{key, v})
	}
	if sc.err != nil || skipJSONSpace(stored, sc.i) != len(stored) {
		return nil, false
	}
	for _, k := range p.del {
		if j := flatIndex(ms, k); j >= 0 {
			ms = append(ms[:j], ms[j+1:]...)
		}
	}
	put := func(k string, v []byte) bool {
		if j := flatIndex(ms, k); j >= 0 {
			ms[j].val = v
			return true
		}
		if len(ms) == flatMembers {
			return false
		}
		ms = append(ms, flatMember{[]byte(k), v})
		return true
	}
	for k, v := range p.set {
		if !plainKey(k) || !put(k, v) {
			return nil, false
		}
	}
	for k, d := range p.add {
		var cur int64
		if j := flatIndex(ms, k); j >= 0 {
			n, err := intValue(ms[j].val)
			if err != nil {
				return nil, false
			}
			cur = n
		}
		if !plainKey(k) || !put(k, strconv.AppendInt(nil, cur+d, 10)) {
			return nil, false
		}
	}
	slices.SortFunc(ms, func(a, b flatMember) int { return bytes.Compare(a.key, b.key) })
	if created == 0 {
		created = p.created
	}
	out := make([]byte, 0, len(stored)+64)
	out = append(out, `{"cookie":`...)
	out = p.cookie.appendJSON(out)
	for _, m := range ms {
		out = append(out, ',', '"')
		out = append(out, m.key...)
		out = append(out, '"', ':')
		out = append(out, m.val...)
	}
	if created > 0 {
		out = append(out, `,"`+createdKey+`":`...)
		out = strconv.AppendInt(out, created, 10)
	}
	return append(out, '}'), true
}

func flatIndex(ms []flatMember, k string) int {
	for j := range ms {
		if string(ms[j].key) == k {
			return j
		}
	}
	return -1
}

// plainKey reports whether appendJSONString writes k as it is.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (p *Patch) applyTo(rec *record) error {
	rec.cookie = p.cookie
	if rec.created == 0 {
		rec.created = p.created
	}
	for _, k := range p.del {
		if _, ok := rec.vals[k]; ok {
			delete(rec.vals, k)
			if i, ok := slices.BinarySearch(rec.keys, k); ok {
				rec.keys = slices.Delete(rec.keys, i, i+1)
			}
		}
	}
	put := func(k string, v json.RawMessage) {
		if _, ok := rec.vals[k]; !ok {
			i, _ := slices.BinarySearch(rec.keys, k)
			rec.keys = slices.Insert(rec.keys, i, k)
		}
		rec.vals[k] = v
	}
	for k, v := range p.set {
		put(k, v)
	}
	for k, d := range p.add {
		cur, err := intValue(rec.vals[k])
		if err != nil {
			return fmt.Errorf("%w: %q holds %s", ErrNotInteger, k, rec.vals[k])
		}
		put(k, strconv.AppendInt(nil, cur+d, 10))
	}
	return nil
}

// newTestPatch returns a patch that sets and deletes keys and adds to
// integer values, with the default cookie attributes and base as its Base:
// storetest.NewPatch, through package patchhook. The Manager builds its
// patches itself.
func newTestPatch(set map[string]json.RawMessage, del []string, add map[string]int64, base []byte) *Patch {
	return &Patch{cookie: cookieData{httpOnly: true, path: "/", sameSite: SameSiteLax}, set: set, del: del, add: add, base: base}
}

func init() { patchhook.New = newTestPatch }

// addLocally adds delta to the value under key in this request's data.
func (s *Session) addLocally(key string, delta int64) (int64, error) {
	cur, err := intValue(s.vals[key])
	if err != nil {
		return 0, fmt.Errorf("%w: %q holds %s", ErrNotInteger, key, s.vals[key])
	}
	s.setLocked(key, strconv.AppendInt(nil, cur+delta, 10))
	return cur + delta, nil
}

// intValue decodes an integer; absent or null is 0.
func intValue(raw json.RawMessage) (int64, error) {
	var n int64
	if raw == nil || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	if n, ok := plainInt(raw); ok {
		return n, nil
	}
	err := json.Unmarshal(raw, &n)
	return n, err
}

// plainInt parses raw when it is a plain decimal integer that fits in an
// int64 (the usual counter), without allocating.
func plainInt(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false // 18 digits cannot overflow; longer ones take the slow path
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
