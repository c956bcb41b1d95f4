// Package faulttest holds the fault tests of the session stores: the
// showcase app cmd/visits runs as a real child process under load from
// concurrent API clients while the test crashes it (SIGKILL) or the
// database under it (pg_ctl stop -m immediate), restarts it, and checks
// that nothing acknowledged was lost: for every session, the increments
// acknowledged (a 200 with a count) ≤ the count stored ≤ the requests
// sent.
//
// The package has tests only. `go test ./faulttest` runs the short
// versions (part of `make test`); -faulttest.long, or FAULTTEST_LONG=1 in
// the environment, runs more rounds. FAULTTEST_SEED replays the random
// choices of a run (its seed is logged). The PostgreSQL tests start a
// throwaway server (internal/testenv) and fail, never skip, without one
// in CI.
package faulttest
