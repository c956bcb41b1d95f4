package flowtest_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	echosession "github.com/sessionkit/session/adapters/echo"
	"github.com/sessionkit/session/flowtest"
)

func newEchoServer(m flowtest.Manager, rt *flowtest.Routes) http.Handler {
	e := echo.New()
	e.Use(echosession.Middleware(m))
	e.GET("/count", func(c echo.Context) error { return c.String(rt.Count(c.Request().Context(), echosession.From(c))) })
	e.POST("/signin", func(c echo.Context) error { return c.String(rt.SignIn(c.Request().Context(), echosession.From(c))) })
	e.GET("/user", func(c echo.Context) error { return c.String(rt.User(c.Request().Context(), echosession.From(c))) })
	e.POST("/destroy", func(c echo.Context) error { return c.String(rt.Destroy(c.Request().Context(), echosession.From(c))) })
	e.GET("/late", func(c echo.Context) error { return c.String(rt.Late(c.Request().Context(), echosession.From(c))) })
	e.GET("/stream", func(c echo.Context) error {
		rt.Stream(c.Request().Context(), echosession.From(c), c.Response(), c.Response().Flush)
		return nil
	})
	return e
}

func TestEcho(t *testing.T) { flowtest.Run(t, newEchoServer) }
