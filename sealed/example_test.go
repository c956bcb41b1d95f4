package sealed_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// The visit counter with the whole session in an encrypted cookie: no
// store. The count goes to the browser sealed and comes back with the
// next request.
func Example() {
	// A key from `go run ./sealed/cmd/sessionkey`, kept secret (here a
	// fixed one, for the example).
	key, err := sealed.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		fmt.Println(err)
		return
	}
	box, err := sealed.NewBox(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := session.NewSealed(session.SealedOptions{Sealer: box})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		visits, err := session.From(r).Increment(r.Context(), "visits", 1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visits: %d", visits)
	}))

	// The first request has no cookie: the response carries the session,
	// sealed.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body)
	c := rec.Result().Cookies()[0]
	fmt.Println("cookie:", c.Name)

	// What the cookie holds: the data as JSON, with "__ts", the time of
	// the last write, beside it (@fastify/secure-session's payload).
	value, _ := url.PathUnescape(c.Value)
	plain, _, err := box.Open(value)
	if err != nil {
		fmt.Println(err)
		return
	}
	var data map[string]any
	_ = json.Unmarshal(plain, &data)
	_, hasTS := data["__ts"]
	fmt.Println("sealed visits:", data["visits"], "__ts:", hasTS)

	// The second request sends the cookie back: the count is in it.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body)

	// A cookie that was tampered with opens to nothing: a new session.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	tampered := "A" + c.Value[1:]
	if tampered == c.Value {
		tampered = "B" + c.Value[1:]
	}
	req.AddCookie(&http.Cookie{Name: c.Name, Value: tampered})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body)

	// Output:
	// visits: 1
	// cookie: session
	// sealed visits: 1 __ts: true
	// visits: 2
	// visits: 1
}

// Key rotation: the first key seals, every key opens. A value sealed with
// an older key opens as stale, and the middleware seals it again with the
// first key on that response.
func ExampleNewBox() {
	oldKey, _ := sealed.KeyFromBytes(make([]byte, sealed.KeySize))
	newKey, err := sealed.GenerateKey()
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := sealed.NewBox(oldKey)
	after, _ := sealed.NewBox(newKey, oldKey)

	value, err := before.Seal([]byte(`{"visits":1}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	plain, stale, err := after.Open(value)
	fmt.Println(string(plain), stale, err)

	// Once the old key is dropped, its values no longer open.
	only, _ := sealed.NewBox(newKey)
	_, _, err = only.Open(value)
	fmt.Println(errors.Is(err, session.ErrInvalidCookie))
	// Output:
	// {"visits":1} true <nil>
	// true
}
