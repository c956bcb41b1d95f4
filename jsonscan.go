package session

import (
	"encoding/json"
	"errors"
	"iter"
)

// The record codec reads every stored session on every request, so it
// scans JSON itself instead of through encoding/json's reflection: one
// pass that validates exactly as encoding/json does (RFC 8259, nesting
// up to maxJSONDepth) and hands out the raw bytes of each member. The
// fuzz target FuzzDecodeRecord checks it against encoding/json.

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// errJSONSyntax reports input that is not valid JSON.
var errJSONSyntax = errors.New("invalid JSON")

// skipJSONSpace returns the index of the first non-space byte at or after i.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanJSONObject scans the object that starts at b[i] ('{') and calls
// member, when not nil, with each member's raw key (quotes included) and
// raw value, in order. It returns the index just past the object.
func scanJSONObject(b []byte, i, depth int, member func(key, val []byte) error) (int, error) {
	if depth > maxJSONDepth {
		return 0, errJSONSyntax
	}
	ms := memberScanner{b: b, i: i, depth: depth}
	for k, v := range ms.members() {
		if member != nil {
			if err := member(k, v); err != nil {
				return 0, err
			}
		}
	}
	if ms.err != nil {
		return 0, ms.err
	}
	return ms.i, nil
}

// memberScanner walks the members of the JSON object at b[i] ('{'): range
// over members, then check err.
type memberScanner struct {
	b        []byte
	i, depth int
	state    int   // 0: before the first member; 1: after a member; 2: done
	err      error // the syntax error that ended members, if any
}

// members returns an iterator over the object's members: each raw key
// (quotes included) and raw value, in order. When the loop ends, s.err
// holds the syntax error that ended it, if any, and, at the end of the
// object, s.i is the index just past it. A loop over it allocates nothing
// (the iterator and the loop body do not escape).
func (s *memberScanner) members() iter.Seq2[[]byte, []byte] {
	return func(yield func(key, val []byte) bool) {
		for {
			k, v, ok, err := s.next()
			if err != nil {
				s.err = err
				return
			}
			if !ok || !yield(k, v) {
				return
			}
		}
	}
}

// next returns the next member's raw key (quotes included) and raw value.
// At the end of the object it returns ok false, with s.i just past it.
func (s *memberScanner) next() (key, val []byte, ok bool, err error) {
	b, i := s.b, s.i
	switch s.state {
	case 0:
		i = skipJSONSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			s.i, s.state = i+1, 2
			return nil, nil, false, nil
		}
	case 1:
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return nil, nil, false, errJSONSyntax
		}
		switch b[i] {
		case '}':
			s.i, s.state = i+1, 2
			return nil, nil, false, nil
		case ',':
			i = skipJSONSpace(b, i+1)
		default:
			return nil, nil, false, errJSONSyntax
		}
	default:
		return nil, nil, false, nil
	}
	if i >= len(b) || b[i] != '"' {
		return nil, nil, false, errJSONSyntax
	}
	ks := i
	if i, err = scanJSONString(b, i); err != nil {
		return nil, nil, false, err
	}
	ke := i
	i = skipJSONSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return nil, nil, false, errJSONSyntax
	}
	i = skipJSONSpace(b, i+1)
	vs := i
	if i, err = scanJSONValue(b, i, s.depth); err != nil {
		return nil, nil, false, err
	}
	s.i, s.state = i, 1
	return b[ks:ke], b[vs:i], true, nil
}

// scanJSONValue returns the index just past the value that starts at b[i].
// depth is the nesting depth of the value's container.
func scanJSONValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return 0, errJSONSyntax
	}
	switch c := b[i]; {
	case c == '{':
		return scanJSONObject(b, i, depth+1, nil)
	case c == '[':
		return scanJSONArray(b, i, depth+1)
	case c == '"':
		return scanJSONString(b, i)
	case c == '-' || '0' <= c && c <= '9':
		return scanJSONNumber(b, i)
	case c == 't':
		return scanJSONLiteral(b, i, "true")
	case c == 'f':
		return scanJSONLiteral(b, i, "false")
	case c == 'n':
		return scanJSONLiteral(b, i, "null")
	}
	return 0, errJSONSyntax
}

func scanJSONArray(b []byte, i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return 0, errJSONSyntax
	}
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	var err error
	for {
		if i, err = scanJSONValue(b, i, depth); err != nil {
			return 0, err
		}
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return 0, errJSONSyntax
		}
		switch b[i] {
		case ']':
			return i + 1, nil
		case ',':
			i = skipJSONSpace(b, i+1)
		default:
			return 0, errJSONSyntax
		}
	}
}

// scanJSONString returns the index just past the string that starts at
// b[i] ('"'). Like encoding/json it accepts any byte from 0x20 up,
// invalid UTF-8 included, and checks escapes.
func scanJSONString(b []byte, i int) (int, error) {
	for i++; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return 0, errJSONSyntax
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return 0, errJSONSyntax
				}
				for _, h := range b[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return 0, errJSONSyntax
					}
				}
				i += 6
			default:
				return 0, errJSONSyntax
			}
		case c < 0x20:
			return 0, errJSONSyntax
		default:
			i++
		}
	}
	return 0, errJSONSyntax
}

// scanJSONNumber returns the index just past the number that starts at
// b[i]: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanJSONNumber(b []byte, i int) (int, error) {
	digits := func(i int) (int, bool) {
		s := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i, i > s
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i, _ = digits(i)
	default:
		return 0, errJSONSyntax
	}
	var ok bool
	if i < len(b) && b[i] == '.' {
		if i, ok = digits(i + 1); !ok {
			return 0, errJSONSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, ok = digits(i); !ok {
			return 0, errJSONSyntax
		}
	}
	return i, nil
}

func scanJSONLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, errJSONSyntax
	}
	return i + len(lit), nil
}

// jsonString decodes a raw JSON string (quotes included, already
// scanned): directly when it is plain ASCII without escapes, else through
// encoding/json, which also turns invalid UTF-8 into U+FFFD.
func jsonString(raw []byte) (string, error) {
	plain := true
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// rawKeyIs reports whether the raw JSON string k (quotes included) is
// name written without escapes, without allocating.
func rawKeyIs(k []byte, name string) bool {
	return len(k) == len(name)+2 && string(k[1:len(k)-1]) == name
}

// jsonKind classifies a raw JSON value by its first byte.
func jsonKind(raw []byte) byte {
	switch c := raw[0]; c {
	case 't', 'f':
		return 'b'
	case '"', '{', '[', 'n':
		return c
	}
	return '0' // a number
}
