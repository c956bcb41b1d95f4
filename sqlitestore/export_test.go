package sqlitestore

import "context"

// Synchronous returns PRAGMA synchronous on the Store's writing
// connection: 1 for NORMAL, 2 for FULL.
func Synchronous(ctx context.Context, s *Store) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&n)
	return n, err
}

// UsersSQL is UserSessions' query for a user key, for the test of its
// plan.
var UsersSQL = usersSQL
