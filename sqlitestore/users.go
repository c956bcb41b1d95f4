package sqlitestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sessionkit/session"
)

// userExpr returns the SQL expression of the user a row's record is
// signed in to under key (session.RecordUser's value), or NULL: a string
// user as its text, a number as its JSON text ("42", as RecordUser gives
// it: json_extract would return an INTEGER, which never equals the text
// parameter), anything else (no user, an object, a record that is not
// JSON) NULL. It is deterministic, so SQLite indexes it, and the query
// repeats it word for word, so SQLite uses that index. key holds no
// double quote (Open checks).
func userExpr(key string) string {
	path := sqlString(`$."` + key + `".user`)
	d := "CAST(data AS TEXT)"
	return "CASE WHEN json_valid(" + d + ") THEN CASE json_type(" + d + ", " + path + ")" +
		" WHEN 'text' THEN " + d + " ->> " + path +
		" WHEN 'integer' THEN " + d + " -> " + path +
		" WHEN 'real' THEN " + d + " -> " + path + " END END"
}

// sqlString returns s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)

// userIndexName returns the quoted name of the index on userExpr(key):
// "sessions_user_" and the key, or a hash of it when it is not a plain
// word, so that each key has an index of its own.
func userIndexName(key string) string {
	if !plainKey.MatchString(key) {
		h := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(h[:6])
	}
	return `"sessions_user_` + key + `"`
}

// usersSQL returns UserSessions' query for key: by the user index, live
// rows only.
func usersSQL(key string) string {
	return "SELECT id, data, expires FROM sessions INDEXED BY " + userIndexName(key) +
		" WHERE " + userExpr(key) + " = ? AND expires > ?"
}

// UserKey returns the session key the store finds a sign-in under
// (session.UserIndex): its Options.UserKey, "passport" by default. The
// Manager refuses a store whose UserKey is not its own.
func (s *Store) UserKey() string { return s.userKey }

// UserSessions returns the live records user is signed in to under
// Options.UserKey (session.UserIndex), in no particular order. It reads
// them through the index on the user (see the package documentation):
// its cost grows with the user's sessions, not with the table. It
// returns an error wrapping the context's or the driver's error when the
// read fails.
func (s *Store) UserSessions(ctx context.Context, user string) ([]session.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: user sessions: %w", err)
	}
	if user == "" {
		return nil, nil // never a user (session.RecordUser)
	}
	now := s.now()
	rows, err := s.users.QueryContext(ctx, user, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: user sessions: %w", err)
	}
	defer rows.Close()
	var out []session.StoredSession
	for rows.Next() {
		var (
			f   session.StoredSession
			exp int64
		)
		if err := rows.Scan(&f.ID, &f.Record, &exp); err != nil {
			return nil, fmt.Errorf("sqlitestore: user sessions: %w", err)
		}
		f.Expires = time.UnixMilli(exp)
		// The index and RecordUser agree but on a record with the key
		// twice (SQLite reads the first, JSON.parse the last): never
		// return one that names another user.
		if u, ok := session.RecordUser(f.Record, s.userKey); ok && u == user {
			out = append(out, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: user sessions: %w", err)
	}
	return out, nil
}
