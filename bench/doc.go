// Package bench measures this library beside its peers. It is its own
// module so that the peers (gorilla/securecookie, and later scs and
// gorilla/sessions) never become dependencies of the library. Run it with
// `make bench` at the repository root, which regenerates BENCHMARKS.md.
package bench
