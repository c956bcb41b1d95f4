package session_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// Sessions loaded from one stored record share its decoded form (memory
// store), and sessions opened from one sealed cookie share its data: a
// change one request makes, saved or not yet, must never show in another
// request's session or in the next load.
func TestSharedDecodedRecordIsNotChanged(t *testing.T) {
	sm := newSealedManager(t)
	managers := map[string]func(t *testing.T) handlerer{
		"memory": func(t *testing.T) handlerer { m, _, _ := newManager(t, session.Options{}); return m },
		"sealed": func(*testing.T) handlerer { return sm },
	}
	changes := map[string]func(s *session.Session){
		"set":       func(s *session.Session) { s.Set("x", "changed") },
		"new key":   func(s *session.Session) { s.Set("new", 1) },
		"delete":    func(s *session.Session) { s.Delete("x") },
		"clear":     func(s *session.Session) { s.Clear() },
		"increment": func(s *session.Session) { s.Increment(context.Background(), "n", 1) },
		"destroy":   func(s *session.Session) { s.Destroy(context.Background()) },
		"regenerate": func(s *session.Session) {
			s.Regenerate(context.Background())
		},
	}
	for kind, newM := range managers {
		for name, change := range changes {
			t.Run(kind+"/"+name, func(t *testing.T) {
				m := newM(t)
				setup := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					s.Set("x", "original")
					s.Set("n", 1)
				}))
				res := serve(setup, "GET", "/", "")
				cookie, _, _ := strings.Cut(res.Header.Get("Set-Cookie"), ";")
				dump := func(s *session.Session) string {
					var b strings.Builder
					for _, k := range s.Keys() {
						v, _ := s.Raw(k)
						b.WriteString(k + "=" + string(v) + ";")
					}
					return b.String()
				}
				const want = `n=1;x="original";`
				// A reader loads the session, then waits while another request
				// changes it; what the reader holds must not move under it.
				loaded, changed := make(chan struct{}), make(chan struct{})
				seen := make(chan string, 1)
				reader := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					close(loaded)
					<-changed
					seen <- dump(s)
				}))
				changer := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					change(session.From(r))
				}))
				warm := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
				serve(warm, "GET", "/", cookie) // the record is decoded, and kept
				go serve(reader, "GET", "/", cookie)
				<-loaded
				serve(changer, "GET", "/", cookie)
				close(changed)
				if got := <-seen; got != want {
					t.Fatalf("another request's change (%s) shows in a session loaded before it: %q, want %q", name, got, want)
				}
			})
		}
	}
}

// handlerer is a Manager or a SealedManager.
type handlerer interface {
	Handler(http.Handler) http.Handler
}
