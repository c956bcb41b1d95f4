package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// FlashKey is the session key flash messages are kept under, as
// connect-flash keeps them: {"flash": {"info": ["a", "b"], "error": ["c"]}},
// an object of kinds, each an array of messages in the order they were
// added. A Node app with connect-flash on the same store and secret reads
// the messages Go set with req.flash(kind), and Go reads the ones it set.
const FlashKey = "flash"

// Flash adds msg to the flash messages of kind ("info", "error": any
// non-empty name), after those already there, to be shown once by a later
// request's Flashes or AllFlashes: connect-flash's req.flash(kind, msg).
// It is saved with the session like a Set (a redirect's response saves it
// before its headers go out, so the next page sees it). For connect-flash's
// format arguments, use fmt.Sprintf.
//
// It returns an error wrapping ErrInvalidFlash for an empty kind or msg
// (connect-flash would read the messages instead of adding one), or when
// the session's "flash" key, or kind under it, holds something other than
// connect-flash's object of arrays (left unchanged, as connect-flash would
// throw); ErrDestroyed after Destroy; ErrNoSession on a nil session; and,
// on a sealed session, ErrCookieTooLarge when the messages would no longer
// fit in the cookie. The session is unchanged on error.
//
// The messages of all kinds are one session key: two concurrent requests
// of one session that both add or read flashes keep the last one's.
func (s *Session) Flash(kind, msg string) error {
	if s == nil {
		return ErrNoSession
	}
	if kind == "" || msg == "" {
		return fmt.Errorf("%w: kind %q, message %q: both must be non-empty", ErrInvalidFlash, kind, msg)
	}
	m := flashString(msg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	var kinds []flashKind
	if old, ok := s.vals[FlashKey]; ok && !jsFalsy(old) {
		var isObj bool
		if kinds, isObj = parseFlashes(old); !isObj {
			return fmt.Errorf("%w: the session's %q is %s, not an object of message arrays", ErrInvalidFlash, FlashKey, jsonKindName(old))
		}
	}
	if i := flashIndex(kinds, kind); i < 0 {
		kinds = append(kinds, flashKind{kind, flashArray(nil, m)})
	} else {
		cur := kinds[i].msgs
		switch {
		case jsFalsy(cur): // connect-flash: msgs[type] || []
			kinds[i].msgs = flashArray(nil, m)
		case cur[0] == '[':
			kinds[i].msgs = flashArray(cur, m)
		default:
			return fmt.Errorf("%w: the session's %q.%q is %s, not an array of messages", ErrInvalidFlash, FlashKey, kind, jsonKindName(cur))
		}
	}
	raw := encodeFlashes(kinds)
	if err := s.kind().checkSet(FlashKey, raw); err != nil {
		return err
	}
	s.kind().dataChanged()
	s.setLocked(FlashKey, raw)
	return nil
}

// Flashes returns the flash messages of kind, oldest first, and removes
// them from the session, as connect-flash's req.flash(kind) does: they are
// shown once. When no kind is left, the "flash" key is removed as well
// (connect-flash leaves an empty object; both read either). A message
// that is not a string (connect-flash stores whatever it is given) is
// returned as its JSON text.
//
// It returns nil, and changes nothing, when kind has no messages, when the
// "flash" key holds something other than an object, on a nil session and
// after Destroy: reading flashes on every page costs a session write only
// when there was something to show.
func (s *Session) Flashes(kind string) []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.vals[FlashKey]
	if !ok {
		return nil
	}
	kinds, isObj := parseFlashes(old)
	i := flashIndex(kinds, kind)
	if !isObj || i < 0 {
		return nil
	}
	msgs := flashMessages(kinds[i].msgs)
	kinds = slices.Delete(kinds, i, i+1)
	if len(kinds) == 0 {
		s.deleteLocked(FlashKey)
	} else {
		s.kind().dataChanged()
		s.setLocked(FlashKey, encodeFlashes(kinds))
	}
	return msgs
}

// AllFlashes returns the flash messages of every kind, each kind's oldest
// first, and removes them from the session with the "flash" key, as
// connect-flash's req.flash() does. A kind without messages is left out;
// a message that is not a string is returned as its JSON text.
//
// It returns nil, and changes nothing, when there are no kinds (an absent
// or empty "flash" object), when the "flash" key holds something other
// than an object, on a nil session and after Destroy.
func (s *Session) AllFlashes() map[string][]string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.vals[FlashKey]
	if !ok {
		return nil
	}
	kinds, isObj := parseFlashes(old)
	if !isObj || len(kinds) == 0 {
		return nil
	}
	var all map[string][]string
	for _, k := range kinds {
		if msgs := flashMessages(k.msgs); len(msgs) > 0 {
			if all == nil {
				all = make(map[string][]string, len(kinds))
			}
			all[k.kind] = msgs
		}
	}
	s.deleteLocked(FlashKey)
	return all
}

// flashKind is one member of the flash object: a kind and its raw value,
// an array of messages when connect-flash or Flash wrote it.
type flashKind struct {
	kind string
	msgs json.RawMessage
}

// parseFlashes returns the members of the JSON object raw in their order
// (JavaScript keeps an object's insertion order, so the kinds stay in the
// order they were first flashed), and false when raw is not an object. A
// kind given twice keeps its first place and its last value, as JSON.parse.
func parseFlashes(raw []byte) ([]flashKind, bool) {
	i := skipJSONSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	var kinds []flashKind
	ms := memberScanner{b: raw, i: i, depth: 1}
	for k, v := range ms.members() {
		name, err := jsonString(k)
		if err != nil {
			return nil, false
		}
		if j := flashIndex(kinds, name); j >= 0 {
			kinds[j].msgs = v
		} else {
			kinds = append(kinds, flashKind{name, v})
		}
	}
	if ms.err != nil {
		return nil, false
	}
	return kinds, true
}

func flashIndex(kinds []flashKind, kind string) int {
	return slices.IndexFunc(kinds, func(k flashKind) bool { return k.kind == kind })
}

// encodeFlashes is the flash object of kinds, in their order.
func encodeFlashes(kinds []flashKind) json.RawMessage {
	b := []byte{'{'}
	for i, k := range kinds {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, flashString(k.kind)...)
		b = append(b, ':')
		b = append(b, k.msgs...)
	}
	return append(b, '}')
}

// flashArray returns the JSON array arr (nil: an empty one) with the
// encoded message m appended.
func flashArray(arr json.RawMessage, m []byte) json.RawMessage {
	if len(arr) == 0 {
		return slices.Concat([]byte{'['}, m, []byte{']'})
	}
	body := bytes.TrimSpace(arr[1 : len(arr)-1])
	if len(body) == 0 {
		return slices.Concat([]byte{'['}, m, []byte{']'})
	}
	return slices.Concat([]byte{'['}, body, []byte{','}, m, []byte{']'})
}

// flashString encodes s as JSON.stringify does: <, > and & as they are,
// not escaped as encoding/json's Marshal would (both decode the same).
func flashString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

// flashMessages decodes a kind's messages: an array's elements, a string
// as it is and anything else as its JSON text. A falsy value (null, as
// connect-flash's req.flash(kind) answers [] for it) has none; another
// single value is one message.
func flashMessages(raw json.RawMessage) []string {
	if jsFalsy(raw) {
		return nil
	}
	var elems []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
		elems = []json.RawMessage{raw}
	}
	msgs := make([]string, 0, len(elems))
	for _, e := range elems {
		if e[0] == '"' {
			if m, err := jsonString(e); err == nil {
				msgs = append(msgs, m)
				continue
			}
		}
		var c bytes.Buffer
		if json.Compact(&c, e) != nil {
			msgs = append(msgs, string(e))
		} else {
			msgs = append(msgs, c.String())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return msgs
}

// jsFalsy reports whether the raw JSON value is falsy in JavaScript
// (null, false, "", 0), which connect-flash's `x || []` and `x || {}`
// replace.
func jsFalsy(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return true
	}
	switch jsonKind(raw) {
	case 'n':
		return true
	case 'b':
		return raw[0] == 'f'
	case '"':
		return len(raw) == 2
	case '0':
		f, err := strconv.ParseFloat(string(raw), 64)
		return err == nil && f == 0
	}
	return false
}

// jsonKindName names a raw JSON value's type for an error message.
func jsonKindName(raw []byte) string {
	switch jsonKind(bytes.TrimSpace(raw)) {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'b':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
