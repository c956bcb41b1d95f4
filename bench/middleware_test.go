package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/cmd/visits/web"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/sealed"
)

// benchSecret signs our session IDs.
const benchSecret = "a benchmark secret of thirty-two bytes"

// peer is one way of keeping the visit counter: ours on the memory store,
// ours sealed in the cookie, scs with its memory store, gorilla's
// encrypted CookieStore, or none at all (bare).
type peer struct {
	name string
	// handler returns the visit tracker's GET / on the peer: count the
	// visit in the session and render the page with the count.
	handler func(tb testing.TB, pages *web.Pages) http.Handler
}

// visitPage renders the tracker's page for n visits, as cmd/visits does.
func visitPage(pages *web.Pages, w http.ResponseWriter, n int) {
	_ = pages.Render(w, web.Page{Title: "Visit Tracker", Message: fmt.Sprintf("You have visited this page %d times.", n)})
}

var peers = []peer{
	{"bare", func(_ testing.TB, pages *web.Pages) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { visitPage(pages, w, 1) })
	}},
	{"memory", func(tb testing.TB, pages *web.Pages) http.Handler {
		st := memstore.New(memstore.Options{Logger: quiet, MaxSessions: 1 << 22})
		tb.Cleanup(func() { st.Close() })
		m, err := session.New(session.Options{Secrets: []string{benchSecret}, Store: st, Logger: quiet})
		if err != nil {
			tb.Fatal(err)
		}
		return m.Handler(ourCounter(pages))
	}},
	{"sealed", func(tb testing.TB, pages *web.Pages) http.Handler {
		k, err := sealed.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		m, err := sealed.New(sealed.Options{Keys: []sealed.Key{k}, Logger: quiet})
		if err != nil {
			tb.Fatal(err)
		}
		return m.Handler(ourCounter(pages))
	}},
	{"scs", func(tb testing.TB, pages *web.Pages) http.Handler {
		store := scsmem.NewWithCleanupInterval(time.Minute)
		tb.Cleanup(store.StopCleanup)
		sm := scs.New()
		sm.Store = store
		return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := sm.GetInt(r.Context(), "visits") + 1
			sm.Put(r.Context(), "visits", n)
			visitPage(pages, w, n)
		}))
	}},
	{"gorilla", func(tb testing.TB, pages *web.Pages) http.Handler {
		store := sessions.NewCookieStore(keyBytes(32), keyBytes(32))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := store.Get(r, "session") // a bad cookie gives a new session
			n, _ := s.Values["visits"].(int)
			n++
			s.Values["visits"] = n
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			visitPage(pages, w, n)
		})
	}},
}

// ourCounter is the tracker's index on our sessions (either kind).
func ourCounter(pages *web.Pages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		visitPage(pages, w, int(n))
	})
}

// sink is a ResponseWriter that keeps the status, headers and body of one
// response and is reused, the same for every peer.
type sink struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (s *sink) Header() http.Header { return s.h }
func (s *sink) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}
func (s *sink) Write(p []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return s.body.Write(p)
}

func (s *sink) reset() {
	if s.h == nil {
		s.h = make(http.Header)
	}
	clear(s.h)
	s.code = 0
	s.body.Reset()
}

// visitor is a browser: it sends its cookie and keeps the newest one it
// is sent.
type visitor struct {
	req    *http.Request
	cookie string
}

// do sends one request for v to h through w and checks the status.
func (v *visitor) do(tb testing.TB, h http.Handler, w *sink) {
	w.reset()
	h.ServeHTTP(w, v.req)
	if w.code != http.StatusOK {
		tb.Fatalf("status %d: %s", w.code, w.body.String())
	}
	if sc := w.h["Set-Cookie"]; len(sc) > 0 {
		c := sc[len(sc)-1]
		if i := strings.IndexByte(c, ';'); i >= 0 {
			c = c[:i]
		}
		if c != v.cookie {
			v.cookie = c
			v.req.Header.Set("Cookie", c)
		}
	}
}

func newVisitor() *visitor {
	return &visitor{req: httptest.NewRequest("GET", "/", nil)}
}

// visitsShown is the count the page shows.
func visitsShown(body string) int {
	var n int
	i := strings.Index(body, "visited this page ")
	if i < 0 {
		return -1
	}
	fmt.Sscanf(body[i+len("visited this page "):], "%d", &n)
	return n
}

// BenchmarkMiddleware is one GET / of the visit tracker through each
// peer, in process: a returning visitor (one cookie), 1,000 returning
// visitors in turn (rotating), and a new visitor (no cookie) each time.
// Requests run one at a time, so ns/op and allocs/op compare directly.
func BenchmarkMiddleware(b *testing.B) {
	pages, err := web.Parse()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			h := p.handler(b, pages)
			w := &sink{}
			b.Run("returning", func(b *testing.B) {
				v := newVisitor()
				v.do(b, h, w)
				b.ReportAllocs()
				for b.Loop() {
					v.do(b, h, w)
				}
				if p.name != "bare" && visitsShown(w.body.String()) < 2 {
					b.Fatalf("%s: the count did not grow: %s", p.name, w.body.String())
				}
			})
			b.Run("rotating", func(b *testing.B) {
				const n = 1000
				vs := make([]*visitor, n)
				for i := range vs {
					vs[i] = newVisitor()
					vs[i].do(b, h, w)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					vs[i%n].do(b, h, w)
					i++
				}
			})
			b.Run("new", func(b *testing.B) {
				r := httptest.NewRequest("GET", "/", nil)
				b.ReportAllocs()
				for b.Loop() {
					w.reset()
					h.ServeHTTP(w, r)
					if w.code != http.StatusOK {
						b.Fatalf("status %d", w.code)
					}
				}
			})
		})
	}
}

// Every peer counts: three visits with the cookie show 1, 2, 3.
func TestMiddlewarePeersCount(t *testing.T) {
	pages, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers[1:] {
		t.Run(p.name, func(t *testing.T) {
			h := p.handler(t, pages)
			v, w := newVisitor(), &sink{}
			for want := 1; want <= 3; want++ {
				v.do(t, h, w)
				if got := visitsShown(w.body.String()); got != want {
					t.Fatalf("visit %d shows %d", want, got)
				}
			}
		})
	}
}
