package session

import (
	"bytes"
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
// object, or whose cookie is not an object, gives ErrCorruptRecord.
func decodeRecord(b []byte) (*record, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
	}
	rec := &record{vals: top}
	if raw, ok := top["cookie"]; ok {
		delete(top, "cookie")
		if err := rec.cookie.decode(raw); err != nil {
			return nil, err
		}
	} else {
		rec.cookie = cookieData{path: "/", httpOnly: true}
	}
	if raw, ok := top[createdKey]; ok {
		delete(top, createdKey)
		var ms float64
		if json.Unmarshal(raw, &ms) == nil && ms > 0 {
			rec.created = int64(ms)
		}
	}
	rec.keys = make([]string, 0, len(top))
	for k := range top {
		rec.keys = append(rec.keys, k)
	}
	slices.Sort(rec.keys)
	return rec, nil
}

type cookieJSON struct {
	OriginalMaxAge *float64 `json:"originalMaxAge"`
	Partitioned    any      `json:"partitioned"`
	Priority       any      `json:"priority"`
	Expires        *string  `json:"expires"`
	Secure         any      `json:"secure"`
	HTTPOnly       any      `json:"httpOnly"`
	Domain         *string  `json:"domain"`
	Path           *string  `json:"path"`
	SameSite       any      `json:"sameSite"`
}

func (c *cookieData) decode(raw json.RawMessage) error {
	var j cookieJSON
	if bytes.Equal(raw, []byte("null")) {
		*c = cookieData{path: "/", httpOnly: true}
		return nil
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return fmt.Errorf("%w: cookie: %v", ErrCorruptRecord, err)
	}
	*c = cookieData{path: "/", httpOnly: true}
	if j.OriginalMaxAge != nil && *j.OriginalMaxAge > 0 {
		c.hasMaxAge = true
		c.maxAge = time.Duration(*j.OriginalMaxAge) * time.Millisecond
	}
	if j.Expires != nil {
		t, err := time.Parse(time.RFC3339Nano, *j.Expires)
		if err != nil {
			return fmt.Errorf("%w: cookie expires %q", ErrCorruptRecord, *j.Expires)
		}
		c.expires = t
	}
	switch v := j.Secure.(type) {
	case bool:
		c.secureSet, c.secure = true, v
	case string: // express-session 1.19.0 stores "auto" with a cookie function
		c.secureSet, c.secure = true, v != ""
	}
	if v, ok := j.HTTPOnly.(bool); ok {
		c.httpOnly = v
	}
	if j.Domain != nil {
		c.domain = *j.Domain
	}
	if j.Path != nil {
		c.path = *j.Path
	}
	c.sameSite = SameSiteOmit
	switch v := j.SameSite.(type) {
	case bool:
		if v {
			c.sameSite = SameSiteStrict
		}
	case string:
		switch strings.ToLower(v) {
		case "strict":
			c.sameSite = SameSiteStrict
		case "lax", "auto":
			c.sameSite = SameSiteLax
		case "none":
			c.sameSite = SameSiteNone
		}
	}
	if v, ok := j.Partitioned.(bool); ok {
		c.partitioned = v
	}
	if v, ok := j.Priority.(string); ok {
		switch strings.ToLower(v) {
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
