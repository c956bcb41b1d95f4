package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// decodeRecordStd is the record decoder written on encoding/json, kept as
// the reference that FuzzDecodeRecord checks decodeRecord against.
// decodeRecordStd parses an express-session record. It accepts every variant
// express-session and its stores have written: null fields, unknown cookie
// keys, sameSite as a boolean, secure as "auto". A record that is not a JSON
// object, or whose cookie is not an object, gives ErrCorruptRecord.
func decodeRecordStd(b []byte) (*record, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrCorruptRecord)
	}
	rec := &record{vals: top}
	if raw, ok := top["cookie"]; ok {
		delete(top, "cookie")
		if err := rec.cookie.decodeStd(raw); err != nil {
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

type cookieJSONStd struct {
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

func (c *cookieData) decodeStd(raw json.RawMessage) error {
	var j cookieJSONStd
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
