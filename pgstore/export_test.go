package pgstore

// UsersSQL returns s's UserSessions query, for the test of its plan.
func UsersSQL(s *Store) string { return s.usersSQL }

// UserIndexName returns the name of s's index on the user.
func UserIndexName(s *Store) string { return s.userIndex }
