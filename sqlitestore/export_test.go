package sqlitestore

// UsersSQL is UserSessions' query for a user key, for the test of its
// plan.
var UsersSQL = usersSQL
