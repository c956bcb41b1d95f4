package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
)

// Signing in as Passport does, then listing the user's sessions: two
// devices sign in as alice; the laptop sees both and signs the phone out.
func ExampleSession_SignIn() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// (check the password first)
		if err := session.From(r).SignIn(r.Context(), r.FormValue("user"), session.KeepData()); err != nil {
			http.Error(w, "sign-in failed", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if user, ok := session.From(r).User(); ok {
			fmt.Fprint(w, "signed in as ", user)
			return
		}
		fmt.Fprint(w, "signed out")
	})
	mux.HandleFunc("POST /others", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		list, _ := s.UserSessions(r.Context())
		n, err := s.EndOtherSessions(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d sessions listed, %d ended", len(list), n)
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	device := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	show := func(c *http.Client, method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := c.Do(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(b))
	}
	laptop, phone := device(), device()
	show(laptop, "POST", "/login?user=alice")
	show(phone, "POST", "/login?user=alice")
	show(phone, "GET", "/me")
	show(laptop, "POST", "/others")
	show(phone, "GET", "/me")
	show(laptop, "GET", "/me")
	// Output:
	//
	//
	// signed in as alice
	// 2 sessions listed, 1 ended
	// signed out
	// signed in as alice
}
