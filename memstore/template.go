package memstore

import "bytes"

// cookiePrefix starts every record the session Manager writes: the
// express-session format puts the cookie object first.
const cookiePrefix = `{"cookie":{`

// maxTemplate bounds the cookie objects that are interned.
const maxTemplate = 4096

// splitCookie finds the cookie object at the start of rec and the value
// of its "expires" member: rec[:end] is `{"cookie":{...}` and rec[vs:ve]
// the value, a string or null (vs == ve == end when the cookie has no
// expires member). It reports false when rec does not start with a
// cookie object of that shape. Only the split needs to be consistent,
// not the JSON valid: the record is rebuilt from its parts byte for
// byte whatever they are.
func splitCookie(rec []byte) (vs, ve, end int, ok bool) {
	if !bytes.HasPrefix(rec, []byte(cookiePrefix)) {
		return 0, 0, 0, false
	}
	found := false
	depth := 1
	for i := len(cookiePrefix); i < len(rec) && i < maxTemplate; i++ {
		switch rec[i] {
		case '"':
			j := stringEnd(rec, i)
			if j < 0 {
				return 0, 0, 0, false
			}
			if depth == 1 && !found && j < len(rec) && rec[j] == ':' && string(rec[i:j]) == `"expires"` {
				found = true
				vs = j + 1
				switch {
				case bytes.HasPrefix(rec[vs:], []byte("null")):
					ve = vs + 4
				case vs < len(rec) && rec[vs] == '"':
					if ve = stringEnd(rec, vs); ve < 0 {
						return 0, 0, 0, false
					}
				default:
					return 0, 0, 0, false
				}
				j = ve
			}
			i = j - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if !found {
					vs, ve = i+1, i+1
				}
				return vs, ve, i + 1, true
			}
		}
	}
	return 0, 0, 0, false
}

// stringEnd returns the index just past the JSON string starting at
// b[i], or -1 when it does not end.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// template is one interned cookie object with its expires value cut out:
// key[:n] is the cookie's bytes, the value goes at off.
type template struct {
	key  string // the bytes, then off in two bytes: the key of templates.ids
	n    int
	off  int
	refs int // records using it
}

// templates interns the cookie objects of the records, refcounted: the
// sessions of one app differ in their cookie only by its expiry, so the
// rest is kept once. Index 0 is no template.
type templates struct {
	ids  map[string]uint32
	list []template
	free []uint32
	key  []byte // scratch for the key being looked up
}

func newTemplates() templates {
	return templates{ids: make(map[string]uint32), list: make([]template, 1)}
}

// intern returns the template for rec's cookie object rec[:end] with its
// expires value rec[vs:ve] cut out, taking a reference to it.
func (t *templates) intern(rec []byte, vs, ve, end int) uint32 {
	k := append(t.key[:0], rec[:vs]...)
	k = append(k, rec[ve:end]...)
	k = append(k, byte(vs), byte(vs>>8))
	t.key = k
	if i, ok := t.ids[string(k)]; ok {
		t.list[i].refs++
		return i
	}
	tp := template{key: string(k), n: len(k) - 2, off: vs, refs: 1}
	var i uint32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		t.list[i] = tp
	} else {
		i = uint32(len(t.list))
		t.list = append(t.list, tp)
	}
	t.ids[tp.key] = i
	return i
}

// release drops a reference to template i, forgetting it with the last.
func (t *templates) release(i uint32) {
	if i == 0 {
		return
	}
	tp := &t.list[i]
	if tp.refs--; tp.refs > 0 {
		return
	}
	delete(t.ids, tp.key)
	*tp = template{}
	t.free = append(t.free, i)
}

// size returns the bytes template i adds to a record.
func (t *templates) size(i uint32) int {
	if i == 0 {
		return 0
	}
	return t.list[i].n
}

// build appends to dst the record made of template i (0: none) and the
// stored bytes b, of which the first expLen are the expires value.
func (t *templates) build(dst []byte, i uint32, b []byte, expLen int) []byte {
	if i == 0 {
		return append(dst, b...)
	}
	tp := &t.list[i]
	dst = append(dst, tp.key[:tp.off]...)
	dst = append(dst, b[:expLen]...)
	dst = append(dst, tp.key[tp.off:tp.n]...)
	return append(dst, b[expLen:]...)
}
