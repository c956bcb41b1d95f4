// Package ginsession is the session middleware of
// github.com/sessionkit/session for the gin web framework. It is a module
// of its own, so the session module never depends on gin.
//
//	r := gin.New()
//	r.Use(ginsession.Middleware(m)) // m: *session.Manager or *session.SealedManager
//	r.GET("/", func(c *gin.Context) {
//		s := ginsession.From(c)
//		visits, _ := session.Get[int](s, "visits")
//		if err := s.Set("visits", visits+1); err != nil {
//			c.String(http.StatusInternalServerError, err.Error())
//			return
//		}
//		c.String(http.StatusOK, "You have visited this page %d times.", visits+1)
//	})
//
// The guarantees of Manager.Handler hold: the session is saved, and its
// cookie set, just before gin writes the response headers (c.String,
// c.JSON, c.Writer.WriteHeaderNow, Write, Flush or Hijack), or when the
// handlers return without writing; a change made after the headers went
// out (after streaming) is saved when the handlers return.
package ginsession

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/sessionkit/session"
)

// Manager is the session middleware Middleware adapts:
// *session.Manager (server-side sessions) or *session.SealedManager
// (sealed cookie sessions) both satisfy it.
type Manager interface {
	Handler(next http.Handler) http.Handler
}

// Middleware returns gin middleware that gives every request under m's
// cookie path a session, read in the handlers after it with From.
//
// While the handlers after it run, c.Request carries the session in its
// context (session.From(c.Request) works too) and c.Writer commits the
// session before gin writes the headers; both are restored when they
// return. When the session cannot be loaded (the store failed), m's
// ErrorHandler answers (503 by default) and the chain is aborted: the
// handlers after the middleware do not run.
func Middleware(m Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		gw, req := c.Writer, c.Request
		defer func() { c.Writer, c.Request = gw, req }()
		ran := false
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ran = true
			if w != http.ResponseWriter(gw) { // else: outside the cookie path, or nested
				c.Writer = &writer{ResponseWriter: gw, sw: w}
			}
			c.Request = r
			c.Next()
		})).ServeHTTP(gw, req)
		if !ran {
			c.Abort()
		}
	}
}

// From returns the session of the request in c, or nil when Middleware
// did not run for it (no middleware, or a path outside the cookie path).
func From(c *gin.Context) *session.Session {
	if c == nil || c.Request == nil {
		return nil
	}
	return session.From(c.Request)
}

// writer is c.Writer under the middleware: gin's writer for the status,
// the size and the headers, with the writes going through the session's
// writer sw (which wraps gin's), so that the session commits first. Like
// gin's, it sends the headers on the first write, not on WriteHeader.
type writer struct {
	gin.ResponseWriter
	sw http.ResponseWriter
}

// WriteHeaderNow commits the session, then has gin send the headers.
func (w *writer) WriteHeaderNow() {
	if !w.ResponseWriter.Written() {
		w.sw.WriteHeader(w.ResponseWriter.Status())
		w.ResponseWriter.WriteHeaderNow()
	}
}

func (w *writer) Write(p []byte) (int, error) { return w.sw.Write(p) }

func (w *writer) WriteString(s string) (int, error) { return io.WriteString(w.sw, s) }

// Flush commits the session, then flushes.
func (w *writer) Flush() { _ = http.NewResponseController(w.sw).Flush() }

// Hijack commits the session, then hands over the connection. It returns
// the error of the commit, or gin's when the body was already written.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.sw).Hijack()
}

// Unwrap returns the session's writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.sw }

var _ gin.ResponseWriter = (*writer)(nil)
