package ginsession_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/sessionkit/session"
	ginsession "github.com/sessionkit/session/adapters/gin"
	"github.com/sessionkit/session/memstore"
)

// The visit counter on gin.
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
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	r.GET("/", func(c *gin.Context) {
		s := ginsession.From(c)
		visits, _ := session.Get[int](s, "visits")
		if err := s.Set("visits", visits+1); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.String(http.StatusOK, "You have visited this page %d times.", visits+1)
	})
	srv := httptest.NewServer(r)
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
