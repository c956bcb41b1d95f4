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

// HoldWriter takes the Store's one writing connection and returns the
// function that gives it back: until then, the writer blocks on the
// first statement of its batch, and later writes queue.
func HoldWriter(ctx context.Context, s *Store) (release func() error, err error) {
	c, err := s.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return c.Close, nil
}

// Waiting returns how many writes wait for a batch.
func Waiting(s *Store) int {
	s.q.mu.Lock()
	defer s.q.mu.Unlock()
	return len(s.q.waiting)
}

// Taken returns how many writes the writer has taken into batches.
func Taken(s *Store) int {
	s.q.mu.Lock()
	defer s.q.mu.Unlock()
	return s.q.taken
}

// MaxBatch is the most writes a batch takes.
const MaxBatch = maxBatch
