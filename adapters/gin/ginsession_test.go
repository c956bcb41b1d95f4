package ginsession_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/sessionkit/session"
	ginsession "github.com/sessionkit/session/adapters/gin"
	"github.com/sessionkit/session/memstore"
)

// testSecret signs the tests' cookies.
const testSecret = "a test secret of at least thirty-two bytes"

func init() { gin.SetMode(gin.ReleaseMode) }

// c.AbortWithStatus sends the headers through WriteHeaderNow with no body:
// the session commits first, and a change after it is saved on return.
func TestWriteHeaderNow(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{Secrets: []string{testSecret}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	mw := ginsession.Middleware(m)
	r.Use(mw, mw) // twice: the inner one finds the session and adds nothing
	r.POST("/mark", func(c *gin.Context) {
		s := ginsession.From(c)
		_ = s.Set("marked", true)
		c.AbortWithStatus(http.StatusNoContent)
		_ = s.Set("after", "headers")
	})
	r.GET("/read", func(c *gin.Context) {
		s := ginsession.From(c)
		marked, _ := session.Get[bool](s, "marked")
		after, _ := session.Get[string](s, "after")
		c.JSON(http.StatusOK, gin.H{"marked": marked, "after": after})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	res, err := client.Post(srv.URL+"/mark", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent || len(res.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("POST /mark = %d, Set-Cookie %q; want 204 and one cookie", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	res, err = client.Get(srv.URL + "/read")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got, want := string(b), `{"after":"headers","marked":true}`; got != want {
		t.Errorf("GET /read = %s, want %s", got, want)
	}
	if store.Len() != 1 {
		t.Errorf("%d sessions stored, want 1", store.Len())
	}
}

// Outside the cookie path the handlers run without a session, on gin's
// own writer.
func TestOutsideCookiePath(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{testSecret}, Store: store, Cookie: session.CookieOptions{Path: "/app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	var writer gin.ResponseWriter
	r.Use(func(c *gin.Context) { writer = c.Writer }, ginsession.Middleware(m))
	r.GET("/other", func(c *gin.Context) {
		if ginsession.From(c) != nil || c.Writer != writer {
			c.String(http.StatusInternalServerError, "session middleware ran outside its path")
			return
		}
		c.String(http.StatusOK, "ok")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/other")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "ok" || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("GET /other = %d %q, Set-Cookie %q", res.StatusCode, b, res.Header.Values("Set-Cookie"))
	}
}
