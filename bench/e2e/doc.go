// Package e2e is the end-to-end load benchmark: wrk against the visit
// tracker (cmd/visits) on each store, a bare net/http handler serving the
// same page, and the peers (scs, gorilla/sessions, express-session with
// MemoryStore and connect-redis, Fastify with @fastify/secure-session).
// It is driven by TestEndToEnd; see BENCHMARKS.md for what it reports.
package e2e
