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

// peer is one way of keeping the session: ours on the memory store, ours
// sealed in the cookie, scs with its memory store, gorilla's encrypted
// CookieStore, or none at all (bare).
type peer struct {
	name string
	// routes returns the visit tracker's pages on the peer, sharing one
	// store.
	routes func(tb testing.TB, pages *web.Pages) routes
}

// routes are a peer's handlers of the visit tracker's pages.
type routes struct {
	// index is GET /: count the visit in the session and render the page
	// with the count.
	index http.Handler
	// signIn is POST /login: sign the visitor in as alice in the peer's
	// way, 303 to /.
	signIn http.Handler
	// me is GET /me: read the user from the session and render the
	// signed-in page (cmd/visits' /me), writing nothing; 303 to /login
	// when nobody is signed in.
	me http.Handler
}

// visitPage renders the tracker's page for n visits, as cmd/visits does.
func visitPage(pages *web.Pages, w http.ResponseWriter, n int) {
	_ = pages.Render(w, web.Page{Title: "Visit Tracker", Message: fmt.Sprintf("You have visited this page %d times.", n)})
}

// signedInPage renders the page of GET /me for user, as cmd/visits does.
func signedInPage(pages *web.Pages, w http.ResponseWriter, user string) {
	_ = pages.Render(w, web.Page{Title: "Visit Tracker", Message: web.SignedInMessage(user), User: user})
}

// signedOut answers GET /me for a visitor nobody is signed in to.
func signedOut(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// signedInAs is the user the sign-in handlers sign in.
const signedInAs = "alice"

var peers = []peer{
	{"bare", func(_ testing.TB, pages *web.Pages) routes {
		return routes{
			index: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { visitPage(pages, w, 1) }),
			signIn: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/", http.StatusSeeOther) // nothing to keep
			}),
			me: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { signedInPage(pages, w, signedInAs) }),
		}
	}},
	{"memory", func(tb testing.TB, pages *web.Pages) routes {
		st := memstore.New(memstore.Options{Logger: quiet, MaxSessions: 1 << 22})
		tb.Cleanup(func() { st.Close() })
		m, err := session.New(session.Options{Secrets: []string{benchSecret}, Store: st, Logger: quiet})
		if err != nil {
			tb.Fatal(err)
		}
		return ourRoutes(m, pages)
	}},
	{"sealed", func(tb testing.TB, pages *web.Pages) routes {
		k, err := sealed.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		box, err := sealed.NewBox(k)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := session.NewSealed(session.SealedOptions{Sealer: box, Logger: quiet})
		if err != nil {
			tb.Fatal(err)
		}
		return ourRoutes(m, pages)
	}},
	{"scs", func(tb testing.TB, pages *web.Pages) routes {
		store := scsmem.NewWithCleanupInterval(time.Minute)
		tb.Cleanup(store.StopCleanup)
		sm := scs.New()
		sm.Store = store
		return routes{
			index: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := sm.GetInt(r.Context(), "visits") + 1
				sm.Put(r.Context(), "visits", n)
				visitPage(pages, w, n)
			})),
			// scs's sign-in: a new token (session fixation), then the user.
			signIn: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := sm.RenewToken(r.Context()); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				sm.Put(r.Context(), "user", signedInAs)
				http.Redirect(w, r, "/", http.StatusSeeOther)
			})),
			me: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user := sm.GetString(r.Context(), "user")
				if user == "" {
					signedOut(w, r)
					return
				}
				signedInPage(pages, w, user)
			})),
		}
	}},
	{"gorilla", func(tb testing.TB, pages *web.Pages) routes {
		store := sessions.NewCookieStore(keyBytes(32), keyBytes(32))
		return routes{
			index: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session") // a bad cookie gives a new session
				n, _ := s.Values["visits"].(int)
				n++
				s.Values["visits"] = n
				if err := s.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				visitPage(pages, w, n)
			}),
			// gorilla has no sign-in of its own: the user goes into the
			// encrypted cookie.
			signIn: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session")
				s.Values["user"] = signedInAs
				if err := s.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				http.Redirect(w, r, "/", http.StatusSeeOther)
			}),
			me: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := store.Get(r, "session")
				user, _ := s.Values["user"].(string)
				if user == "" {
					signedOut(w, r)
					return
				}
				signedInPage(pages, w, user)
			}),
		}
	}},
}

// middleware is our session manager of either kind.
type middleware interface {
	Handler(http.Handler) http.Handler
}

// ourRoutes are the tracker's pages on our sessions (either kind) from m.
func ourRoutes(m middleware, pages *web.Pages) routes {
	return routes{
		index: m.Handler(ourCounter(pages)),
		signIn: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := session.From(r).SignIn(r.Context(), signedInAs); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			http.Redirect(w, r, "/", http.StatusSeeOther)
		})),
		me: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, ok := session.From(r).User()
			if !ok {
				signedOut(w, r)
				return
			}
			signedInPage(pages, w, user)
		})),
	}
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
	req *http.Request
	// fresh is req as made, copied back over it before each request:
	// gorilla/sessions keeps its registry, and with it the session it
	// decoded, in the request's context (GetRegistry replaces *r), so a
	// request sent again would skip decoding the cookie.
	fresh  http.Request
	cookie string
	// setCookies counts the responses that set a cookie.
	setCookies int
}

// do sends one request for v to h through w and checks the status.
func (v *visitor) do(tb testing.TB, h http.Handler, w *sink) {
	v.send(tb, h, v.req, w, http.StatusOK)
}

// signIn sends v's POST /login to h through w: 303, and v keeps the
// cookie it sets.
func (v *visitor) signIn(tb testing.TB, h http.Handler, w *sink) {
	r := httptest.NewRequest("POST", "/login", nil)
	if v.cookie != "" {
		r.Header.Set("Cookie", v.cookie)
	}
	v.send(tb, h, r, w, http.StatusSeeOther)
}

// send sends r, one of v's requests, to h through w, checks the status
// and keeps the cookie the response sets.
func (v *visitor) send(tb testing.TB, h http.Handler, r *http.Request, w *sink, want int) {
	if r == v.req {
		*r = v.fresh // the same header map: the cookie set below stays
	}
	w.reset()
	h.ServeHTTP(w, r)
	if w.code != want {
		tb.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.URL.Path, w.code, want, w.body.String())
	}
	if sc := w.h["Set-Cookie"]; len(sc) > 0 {
		v.setCookies++
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
	return newVisitorOf("/")
}

// newVisitorOf is a visitor whose requests are GET path.
func newVisitorOf(path string) *visitor {
	v := &visitor{req: httptest.NewRequest("GET", path, nil)}
	v.fresh = *v.req
	return v
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
			h := p.routes(b, pages).index
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
				fresh := *r // see visitor.fresh
				b.ReportAllocs()
				for b.Loop() {
					*r = fresh
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
			h := p.routes(t, pages).index
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

// signedInHeading is the heading of GET /me for signedInAs.
var signedInHeading = "<h1>" + web.SignedInMessage(signedInAs) + "</h1>"

// checkSignedIn fails unless the last page w holds is the signed-in page
// and no timed request set a cookie (setCookies of the visitors).
func checkSignedIn(tb testing.TB, name string, w *sink, setCookies int) {
	tb.Helper()
	if body := w.body.String(); !strings.Contains(body, signedInHeading) ||
		!strings.Contains(body, "Signed in as <strong>"+signedInAs+"</strong>") {
		tb.Fatalf("%s: GET /me does not show %s:\n%s", name, signedInAs, body)
	}
	if setCookies != 0 {
		tb.Fatalf("%s: %d GET /me responses set a cookie, want none (the page writes nothing)", name, setCookies)
	}
}

// BenchmarkSignedIn is one GET /me of the visit tracker through each peer,
// in process: a visitor signed in once (outside the timer, in the peer's
// way), whose every request loads the session, reads the user and
// renders the page showing it, writing nothing. returning: one visitor;
// rotating: 1,000 signed-in visitors in turn. Requests run one at a time.
func BenchmarkSignedIn(b *testing.B) {
	pages, err := web.Parse()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			rs := p.routes(b, pages)
			w := &sink{}
			b.Run("returning", func(b *testing.B) {
				v := newVisitorOf("/me")
				v.signIn(b, rs.signIn, w)
				v.setCookies = 0
				b.ReportAllocs()
				for b.Loop() {
					v.do(b, rs.me, w)
				}
				checkSignedIn(b, p.name, w, v.setCookies)
			})
			b.Run("rotating", func(b *testing.B) {
				const n = 1000
				vs := make([]*visitor, n)
				for i := range vs {
					vs[i] = newVisitorOf("/me")
					vs[i].signIn(b, rs.signIn, w)
					vs[i].setCookies = 0
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					vs[i%n].do(b, rs.me, w)
					i++
				}
				set := 0
				for _, v := range vs {
					set += v.setCookies
				}
				checkSignedIn(b, p.name, w, set)
			})
		})
	}
}

// Every peer signs in: /me sends a visitor nobody is signed in to to
// /login (bare excepted: it always shows alice), a sign-in gives a new
// cookie, and /me then shows the user, setting no cookie.
func TestSignedInPeers(t *testing.T) {
	pages, err := web.Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			rs := p.routes(t, pages)
			v, w := newVisitorOf("/me"), &sink{}
			if p.name != "bare" {
				v.send(t, rs.me, v.req, w, http.StatusSeeOther)
				if got := w.h.Get("Location"); got != "/login" {
					t.Fatalf("GET /me signed out: Location %q, want /login", got)
				}
				v.send(t, rs.index, v.req, w, http.StatusOK) // a session before the sign-in
			}
			before := v.cookie
			v.signIn(t, rs.signIn, w)
			if p.name != "bare" && (v.cookie == "" || v.cookie == before) {
				t.Fatalf("sign-in: cookie %q, was %q: want a new one", v.cookie, before)
			}
			v.setCookies = 0
			for range 3 {
				v.do(t, rs.me, w)
			}
			checkSignedIn(t, p.name, w, v.setCookies)
		})
	}
}
