// Package echosession is the session middleware of
// github.com/sessionkit/session for the Echo web framework (v4). It is a
// module of its own, so the session module never depends on Echo.
//
//	e := echo.New()
//	e.Use(echosession.Middleware(m)) // m: *session.Manager or *session.SealedManager
//	e.GET("/", func(c echo.Context) error {
//		s := echosession.From(c)
//		visits, _ := session.Get[int](s, "visits")
//		if err := s.Set("visits", visits+1); err != nil {
//			return err
//		}
//		return c.String(http.StatusOK, fmt.Sprintf("You have visited this page %d times.", visits+1))
//	})
//
// The guarantees of Manager.Handler hold: the session is saved, and its
// cookie set, just before Echo writes the response headers (c.String,
// c.JSON, c.NoContent, c.Response().WriteHeader, Write, Flush or Hijack),
// or when the handler returns without writing; a change made after the
// headers went out (after streaming) is saved when the handler returns.
package echosession

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/sessionkit/session"
)

// Manager is the session middleware Middleware adapts:
// *session.Manager (server-side sessions) or *session.SealedManager
// (sealed cookie sessions) both satisfy it.
type Manager interface {
	Handler(next http.Handler) http.Handler
}

// Middleware returns Echo middleware that gives every request under m's
// cookie path a session, read in the handler with From.
//
// While the next handler runs, c.Request() carries the session in its
// context (session.From(c.Request()) works too) and c.Response() is a
// Response whose Writer commits the session before the headers go out,
// on top of the original Response, which still sees the status, the size
// and every write; both are restored when it returns. The handler's error
// is returned unchanged, after the session was committed: Echo's error
// handler then writes its response with the session cookie. When the
// session cannot be loaded (the store failed), m's ErrorHandler answers
// (503 by default), the handler does not run, and the error is nil.
func Middleware(m Manager) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res, req := c.Response(), c.Request()
			defer func() {
				c.SetResponse(res)
				c.SetRequest(req)
			}()
			var err error
			m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if w != http.ResponseWriter(res) { // else: outside the cookie path, or nested
					c.SetResponse(echo.NewResponse(w, c.Echo()))
				}
				c.SetRequest(r)
				err = next(c)
			})).ServeHTTP(res, req)
			return err
		}
	}
}

// From returns the session of the request in c, or nil when Middleware
// did not run for it (no middleware, or a path outside the cookie path).
func From(c echo.Context) *session.Session {
	if c == nil || c.Request() == nil {
		return nil
	}
	return session.From(c.Request())
}
