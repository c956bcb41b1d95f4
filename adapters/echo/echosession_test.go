package echosession_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/sessionkit/session"
	echosession "github.com/sessionkit/session/adapters/echo"
	"github.com/sessionkit/session/memstore"
)

// testSecret signs the tests' cookies.
const testSecret = "a test secret of at least thirty-two bytes"

// A handler that returns an error after changing the session: the session
// is committed when it returns, and Echo's error response carries the
// cookie; the original Response, restored, saw that response.
func TestHandlerError(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{Secrets: []string{testSecret}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	var status int
	var committed bool
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			c.Error(err) // as echo's logger middleware does: write the error now
			status, committed = c.Response().Status, c.Response().Committed
			return nil
		}
	})
	mw := echosession.Middleware(m)
	e.Use(mw, mw) // twice: the inner one finds the session and adds nothing
	e.POST("/try", func(c echo.Context) error {
		if err := echosession.From(c).Set("tried", true); err != nil {
			return err
		}
		return echo.NewHTTPError(http.StatusTeapot, "no")
	})
	e.GET("/read", func(c echo.Context) error {
		tried, _ := session.Get[bool](echosession.From(c), "tried")
		return c.JSON(http.StatusOK, map[string]bool{"tried": tried})
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	res, err := client.Post(srv.URL+"/try", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTeapot || len(res.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("POST /try = %d, Set-Cookie %q; want 418 and one cookie", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if status != http.StatusTeapot || !committed {
		t.Errorf("the outer middleware saw status %d, committed %v; want 418, true", status, committed)
	}
	res, err = client.Get(srv.URL + "/read")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got, want := string(b), "{\"tried\":true}\n"; got != want {
		t.Errorf("GET /read = %q, want %q", got, want)
	}
}

// The original Response sees a store failure's 503, and the error
// handler's answer is the response.
func TestLoadFailure(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets: []string{testSecret},
		Store:   store,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		},
		GenerateID: func(*http.Request) (string, error) { return "", errors.New("no randomness") },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	var status int
	var committed, ran bool
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			status, committed = c.Response().Status, c.Response().Committed
			return err
		}
	}, echosession.Middleware(m))
	e.GET("/", func(c echo.Context) error { ran = true; return c.String(http.StatusOK, "ran") })
	srv := httptest.NewServer(e)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || string(b) != "down\n" || ran {
		t.Errorf("GET / = %d %q, handler ran %v; want 503 \"down\\n\", not run", res.StatusCode, b, ran)
	}
	if status != http.StatusServiceUnavailable || !committed {
		t.Errorf("the outer middleware saw status %d, committed %v; want 503, true", status, committed)
	}
}
