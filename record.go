package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cookieData is the "cookie" object of an express-session record: the
// attributes this session's cookie is sent with.
type cookieData struct {
	maxAge      time.Duration // originalMaxAge; 0 with !hasMaxAge is null
	hasMaxAge   bool
	expires     time.Time // zero is null: a browser-session cookie
	secureSet   bool      // the record carries "secure"
	secure      bool
	httpOnly    bool
	domain      string
	path        string
	sameSite    SameSite
	partitioned bool
	priority    Priority
}

// record is a decoded session record.
type record struct {
	cookie  cookieData
	created int64 // Unix ms of creation, 0 when unknown (only with AbsoluteTimeout)
	keys    []string
	vals    map[string]json.RawMessage
}

// createdKey holds the creation time when Options.AbsoluteTimeout is set.
const createdKey = "__created"

// jsTime is JavaScript's Date.prototype.toJSON format.
const jsTime = "2006-01-02T15:04:05.000Z"

// decodeRecord parses an express-session record. It accepts every variant
// express-session and its stores have written: null fields, unknown cookie
// keys, sameSite as a boolean, secure as "auto". A record that is not a JSON
// object, or whose cookie is not an object, gives ErrCorruptRecord. It
// decodes as encoding/json would into a map[string]json.RawMessage (the
// last of duplicate keys wins), but the values it returns share b's bytes.
func decodeRecord(b []byte) (*record, error) {
	rec, cookie, hasCookie, err := scanRecord(b)
	if err != nil {
		return nil, err
	}
	if hasCookie {
		if err := rec.cookie.decode(cookie); err != nil {
			return nil, err
		}
	} else {
		rec.cookie = cookieData{path: "/", httpOnly: true}
	}
	return rec, nil
}

// decodeRecordData is decodeRecord for the data alone: the cookie member
// is checked to be a JSON value but not decoded, and the record's cookie
// is left zero. It is for records the Manager itself has just written.
func decodeRecordData(b []byte) (*record, error) {
	rec, _, _, err := scanRecord(b)
	return rec, err
}

// scanRecord parses the object b, returning its data members and
// creation time in rec and its cookie member, raw.
func scanRecord(b []byte) (rec *record, cookie []byte, hasCookie bool, err error) {
	i := skipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, nil, false, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
	}
	vals := make(map[string]json.RawMessage, 4)
	var created []byte // the __created member, kept out of vals like the cookie
	ms := memberScanner{b: b, i: i, depth: 1}
	for k, v := range ms.members() {
		switch {
		case rawKeyIs(k, "cookie"):
			cookie, hasCookie = v, true
		case rawKeyIs(k, createdKey):
			created = v
		default:
			key, err := jsonString(k)
			if err != nil {
				return nil, nil, false, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
			}
			switch key { // an escaped spelling of a reserved key
			case "cookie":
				cookie, hasCookie = v, true
			case createdKey:
				created = v
			default:
				vals[key] = v
			}
		}
	}
	if ms.err != nil {
		return nil, nil, false, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
	}
	if skipJSONSpace(b, ms.i) != len(b) {
		return nil, nil, false, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
	}
	rec = &record{vals: vals}
	if created != nil && jsonKind(created) == '0' {
		if ms, err := strconv.ParseFloat(string(created), 64); err == nil && ms > 0 {
			rec.created = int64(ms)
		}
	}
	rec.keys = make([]string, 0, len(vals))
	for k := range vals {
		rec.keys = append(rec.keys, k)
	}
	slices.Sort(rec.keys)
	return rec, cookie, hasCookie, nil
}

// cookieFields are the members of a record's cookie object, as
// encoding/json would fill them: nil for null or absent.
type cookieFields struct {
	originalMaxAge, expires, domain, path        []byte // number; strings
	secure, httpOnly, sameSite, partitioned, pri []byte // any JSON value
}

// decode parses the cookie object raw (already scanned as valid JSON)
// into c. A member of the wrong type (a string maxAge, a numeric path)
// gives ErrCorruptRecord, as encoding/json's type errors did.
func (c *cookieData) decode(raw json.RawMessage) error {
	*c = cookieData{path: "/", httpOnly: true}
	switch jsonKind(raw) {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("%w: cookie is not an object", ErrCorruptRecord)
	}
	var f cookieFields
	members := [...]struct {
		name string
		dst  *[]byte
	}{
		{"originalMaxAge", &f.originalMaxAge}, {"partitioned", &f.partitioned},
		{"priority", &f.pri}, {"expires", &f.expires}, {"secure", &f.secure},
		{"httpOnly", &f.httpOnly}, {"domain", &f.domain}, {"path", &f.path},
		{"sameSite", &f.sameSite},
	}
	_, err := scanJSONObject(raw, 0, 1, func(k, v []byte) error {
		if jsonKind(v) == 'n' {
			v = nil
		}
		for _, m := range members {
			if rawKeyIs(k, m.name) {
				*m.dst = v
				return nil
			}
		}
		// Not spelt exactly: encoding/json also matches names with
		// escapes or in another case.
		key, err := jsonString(k)
		if err != nil {
			return err
		}
		for _, m := range members {
			if strings.EqualFold(key, m.name) {
				*m.dst = v
				break
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: cookie: %v", ErrCorruptRecord, err)
	}
	return c.fill(&f)
}

// fill sets c from the members of its cookie object.
func (c *cookieData) fill(f *cookieFields) error {
	str := func(name string, v []byte) (string, bool, error) {
		if v == nil {
			return "", false, nil
		}
		if jsonKind(v) != '"' {
			return "", false, fmt.Errorf("%w: cookie %s is not a string", ErrCorruptRecord, name)
		}
		s, err := jsonString(v)
		return s, true, err
	}
	if v := f.originalMaxAge; v != nil {
		if jsonKind(v) != '0' {
			return fmt.Errorf("%w: cookie originalMaxAge is not a number", ErrCorruptRecord)
		}
		ms, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return fmt.Errorf("%w: cookie originalMaxAge %s", ErrCorruptRecord, v)
		}
		if ms > 0 {
			c.hasMaxAge = true
			c.maxAge = time.Duration(ms) * time.Millisecond
		}
	}
	if s, ok, err := str("expires", f.expires); err != nil {
		return err
	} else if ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("%w: cookie expires %q", ErrCorruptRecord, s)
		}
		c.expires = t
	}
	if s, ok, err := str("domain", f.domain); err != nil {
		return err
	} else if ok {
		c.domain = s
	}
	if s, ok, err := str("path", f.path); err != nil {
		return err
	} else if ok {
		c.path = s
	}
	if b, ok := jsonBool(f.secure); ok {
		c.secureSet, c.secure = true, b
	} else if s, ok := anyString(f.secure); ok { // express-session 1.19.0 stores "auto" with a cookie function
		c.secureSet, c.secure = true, s != ""
	}
	if b, ok := jsonBool(f.httpOnly); ok {
		c.httpOnly = b
	}
	c.sameSite = SameSiteOmit
	if b, ok := jsonBool(f.sameSite); ok {
		if b {
			c.sameSite = SameSiteStrict
		}
	} else if s, ok := anyString(f.sameSite); ok {
		switch strings.ToLower(s) {
		case "strict":
			c.sameSite = SameSiteStrict
		case "lax", "auto":
			c.sameSite = SameSiteLax
		case "none":
			c.sameSite = SameSiteNone
		}
	}
	if b, ok := jsonBool(f.partitioned); ok {
		c.partitioned = b
	}
	if s, ok := anyString(f.pri); ok {
		switch strings.ToLower(s) {
		case "low":
			c.priority = PriorityLow
		case "medium":
			c.priority = PriorityMedium
		case "high":
			c.priority = PriorityHigh
		}
	}
	return nil
}

// jsonBool returns the boolean a raw value holds, if it holds one.
func jsonBool(v []byte) (bool, bool) {
	if v == nil || jsonKind(v) != 'b' {
		return false, false
	}
	return v[0] == 't', true
}

// anyString returns the string a raw value holds, if it holds one.
func anyString(v []byte) (string, bool) {
	if v == nil || jsonKind(v) != '"' {
		return "", false
	}
	s, err := jsonString(v)
	return s, err == nil
}

// appendJSON appends the cookie object in express-session 1.19.0's key
// order: originalMaxAge, partitioned, priority, expires, secure, httpOnly,
// domain, path, sameSite; attributes that are not set are left out.
func (c *cookieData) appendJSON(b []byte) []byte {
	b = append(b, `{"originalMaxAge":`...)
	if c.hasMaxAge {
		b = strconv.AppendInt(b, c.maxAge.Milliseconds(), 10)
	} else {
		b = append(b, "null"...)
	}
	if c.partitioned {
		b = append(b, `,"partitioned":true`...)
	}
	if c.priority != "" {
		b = append(b, `,"priority":"`...)
		b = append(b, strings.ToLower(string(c.priority))...)
		b = append(b, '"')
	}
	b = append(b, `,"expires":`...)
	if c.expires.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = c.expires.UTC().AppendFormat(b, jsTime)
		b = append(b, '"')
	}
	if c.secureSet {
		b = append(b, `,"secure":`...)
		b = strconv.AppendBool(b, c.secure)
	}
	b = append(b, `,"httpOnly":`...)
	b = strconv.AppendBool(b, c.httpOnly)
	if c.domain != "" {
		b = append(b, `,"domain":`...)
		b = appendJSONString(b, c.domain)
	}
	b = append(b, `,"path":`...)
	b = appendJSONString(b, c.path)
	switch c.sameSite {
	case SameSiteLax:
		b = append(b, `,"sameSite":"lax"`...)
	case SameSiteStrict:
		b = append(b, `,"sameSite":"strict"`...)
	case SameSiteNone:
		b = append(b, `,"sameSite":"none"`...)
	}
	return append(b, '}')
}

// appendRecord appends the express-session record for a session:
// {"cookie":{...},<user keys in sorted order>[,"__created":ms]}.
func appendRecord(b []byte, c *cookieData, keys []string, vals map[string]json.RawMessage, created int64) []byte {
	b = append(b, `{"cookie":`...)
	b = c.appendJSON(b)
	for _, k := range keys {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = append(b, vals[k]...)
	}
	if created > 0 {
		b = append(b, `,"`+createdKey+`":`...)
		b = strconv.AppendInt(b, created, 10)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
