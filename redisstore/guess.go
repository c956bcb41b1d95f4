package redisstore

import "github.com/sessionkit/session/internal/slots"

// guessSlots is the size of a Store's table of last-written records.
const guessSlots = 1024

// lastWritten remembers, for up to guessSlots keys, the record this Store
// last wrote there, so that Patch can apply its patches to it rather than
// to the record the session was loaded with. When many requests of one
// session run at once, the record they loaded is usually stale by the
// time they patch it (another of them has written since), and a
// compare-and-set on a stale base costs a second round trip; the record
// this process wrote last is what Redis still holds unless another
// process wrote since. A wrong guess costs what a stale base did before:
// the compare-and-set fails and returns the stored record.
type lastWritten struct{ t *slots.Table[lastRecord] }

type lastRecord struct {
	key    string
	record []byte
}

func newLastWritten() lastWritten { return lastWritten{slots.New[lastRecord](guessSlots)} }

// get returns the record last written under key, or nil when there is
// none remembered.
func (l lastWritten) get(key string) []byte {
	if w := l.t.Find(key, func(w *lastRecord) bool { return w.key == key }); w != nil {
		return w.record
	}
	return nil
}

// put remembers record as written under key; a nil record forgets key.
// The record must not be modified afterwards.
func (l lastWritten) put(key string, record []byte) {
	same := func(w *lastRecord) bool { return w.key == key }
	if record == nil {
		l.t.Drop(key, same)
		return
	}
	l.t.Keep(key, &lastRecord{key: key, record: record}, same)
}
