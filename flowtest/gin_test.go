package flowtest_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	ginsession "github.com/sessionkit/session/adapters/gin"
	"github.com/sessionkit/session/flowtest"
)

func init() { gin.SetMode(gin.ReleaseMode) }

func newGinServer(m flowtest.Manager, rt *flowtest.Routes) http.Handler {
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	r.GET("/count", func(c *gin.Context) { c.String(rt.Count(c.Request.Context(), ginsession.From(c))) })
	r.POST("/signin", func(c *gin.Context) { c.String(rt.SignIn(c.Request.Context(), ginsession.From(c))) })
	r.GET("/user", func(c *gin.Context) { c.String(rt.User(c.Request.Context(), ginsession.From(c))) })
	r.POST("/destroy", func(c *gin.Context) { c.String(rt.Destroy(c.Request.Context(), ginsession.From(c))) })
	r.GET("/late", func(c *gin.Context) { c.String(rt.Late(c.Request.Context(), ginsession.From(c))) })
	r.GET("/stream", func(c *gin.Context) {
		rt.Stream(c.Request.Context(), ginsession.From(c), c.Writer, c.Writer.Flush)
	})
	return r
}

func TestGin(t *testing.T) { flowtest.Run(t, newGinServer) }
