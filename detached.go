package session

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// detached is the kind of a Session built as a zero value, outside any
// middleware: for a handler's unit test (see NewContext). Its data lives
// in the Session only. It has no ID and is new; Save, Regenerate, Reload
// and Destroy change nothing but the data (Regenerate without KeepData
// empties it, Destroy destroys it); Increment adds to this session's
// value; Touch and SetMaxAge change the cookie's lifetime, which nothing
// sends. The operations on a user's sessions return ErrNoIndex.
type detached struct {
	s    *Session
	opts Options // the defaults a test would expect: UserKey "passport"
}

// kind returns s's kind, making a zero Session a detached one. It is
// called with s.mu held.
func (s *Session) kind() kind {
	if s.k == nil {
		s.k = &detached{s: s, opts: Options{UserKey: DefaultUserKey, Logger: slog.Default()}}
	}
	return s.k
}

func (d *detached) sessionID() string                      { return "" }
func (d *detached) isNew() bool                            { return true }
func (d *detached) options() *Options                      { return &d.opts }
func (d *detached) checkSet(string, json.RawMessage) error { return nil }
func (d *detached) dataChanged()                           {}
func (d *detached) touch(now time.Time)                    { d.s.touchLocked(now) }
func (d *detached) commit(http.Header) error               { return nil }
func (d *detached) late()                                  {}
func (d *detached) save(context.Context) error             { return nil }
func (d *detached) regenerate(context.Context, bool) error { return nil }
func (d *detached) destroy(context.Context) error          { return nil }
func (d *detached) reload(context.Context) error           { return nil }

func (d *detached) expires() time.Time { return d.s.cookie.expires }

func (d *detached) increment(_ context.Context, key string, delta int64) (int64, error) {
	return d.s.addLocally(key, delta)
}
