// Package routers holds only tests: they show that chi and gorilla/mux
// take the session middleware as it is (router.Use(m.Handler)), with the
// same flow the gin and echo adapters run. It is a module of its own, so
// the session module never depends on a router.
package routers
