package echosession_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/sessionkit/session"
	echosession "github.com/sessionkit/session/adapters/echo"
	"github.com/sessionkit/session/memstore"
)

// The visit counter on Echo.
func Example() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{"a-long-random-secret-from-the-environment"},
		Store:   store,
	})
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(m))
	e.GET("/", func(c echo.Context) error {
		s := echosession.From(c)
		visits, _ := session.Get[int](s, "visits")
		if err := s.Set("visits", visits+1); err != nil {
			return err
		}
		return c.String(http.StatusOK, fmt.Sprintf("You have visited this page %d times.", visits+1))
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for range 3 {
		res, err := client.Get(srv.URL)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(b))
	}
	// Output:
	// You have visited this page 1 times.
	// You have visited this page 2 times.
	// You have visited this page 3 times.
}
