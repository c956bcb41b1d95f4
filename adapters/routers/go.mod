module github.com/sessionkit/session/adapters/routers

go 1.26.0

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gorilla/mux v1.8.1
	github.com/sessionkit/session v0.1.0
)
