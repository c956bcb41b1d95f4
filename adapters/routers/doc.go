// Package routers holds only examples: they show that chi and gorilla/mux
// take the session middleware as it is (router.Use(m.Handler)), so these
// routers need no adapter. The request flow the gin and Echo adapters
// pass is run on chi and gorilla/mux too, in module flowtest. It is a
// module of its own, so the session module never depends on a router.
package routers
