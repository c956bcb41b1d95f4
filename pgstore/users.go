package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session"
)

// userExpr returns the SQL expression of the user a row's sess is signed
// in to under key, as session.RecordUser reads it: ->> gives a string's
// text and a number's JSON text ("42"), from the text as it was written
// (sess is json, not jsonb). It is immutable, so PostgreSQL indexes it,
// and the query repeats it, so PostgreSQL uses that index. key is an
// escape string literal: its text is the same whatever
// standard_conforming_strings says.
func userExpr(key string) string {
	lit := "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(key) + "'"
	return "((sess -> " + lit + ") ->> 'user')"
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// userIndexName returns the name of the index on userExpr(key) of table:
// "IDX_<table>_user_<key>" in connect-pg-simple's style, or, when that
// would be longer than PostgreSQL's 63 bytes or the key is not a plain
// word, "IDX_user_" and a hash of both. Each table and key gets an index
// of its own.
func userIndexName(table, key string) string {
	name := "IDX_" + table + "_user_" + key
	if len(name) > 63 || !plainKey.MatchString(key) {
		h := sha256.Sum256([]byte(table + "\x00" + key))
		name = "IDX_user_" + hex.EncodeToString(h[:8])
	}
	return name
}

// ensureIndex creates the index on the user unless the table lacks one,
// under the advisory lock of createTable, so that Go processes starting
// together build it once. A missing table is not an error: a Node app
// may create it later, and UserSessions looks again. A table whose sess
// column is neither json nor jsonb is left without the index (its
// UserSessions fails with the database's error).
func (s *Store) ensureIndex(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	return s.run(ctx, func(c *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sessionkit/pgstore:' || $1::text))`, s.table); err != nil {
				return err
			}
			typ, has, err := s.indexState(ctx, tx)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // no table (yet)
			}
			if err != nil {
				return err
			}
			if !has && (typ == "json" || typ == "jsonb") {
				// On an existing table this builds the index over every
				// row: the migration of a table written before it.
				if _, err := tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+pgx.Identifier{s.userIndex}.Sanitize()+
					` ON `+s.table+` (`+userExpr(s.userKey)+`)`); err != nil {
					return err
				}
				if _, has, err = s.indexState(ctx, tx); err != nil {
					return err
				}
				if !has {
					return fmt.Errorf("another table of the schema has an index named %q", s.userIndex)
				}
			}
			s.indexed.Store(true)
			return nil
		})
	})
}

// indexState returns the type of the table's sess column and whether the
// table has the user index, or pgx.ErrNoRows when there is no table.
func (s *Store) indexState(ctx context.Context, tx pgx.Tx) (typ string, has bool, err error) {
	err = tx.QueryRow(ctx, `SELECT
	coalesce((SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
		WHERE a.attrelid = t.oid AND a.attname = 'sess' AND NOT a.attisdropped), ''),
	EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE i.indrelid = t.oid AND ic.relname = $2)
FROM pg_class t WHERE t.oid = to_regclass($1::text)`, s.table, s.userIndex).Scan(&typ, &has)
	return typ, has, err
}

// UserKey returns the session key the store finds a sign-in under
// (session.UserIndex): its Options.UserKey, "passport" by default. The
// Manager refuses a store whose UserKey is not its own.
func (s *Store) UserKey() string { return s.userKey }

// UserSessions returns the live rows whose sess is signed in to user
// under Options.UserKey (session.UserIndex), in no particular order,
// rows a Node app wrote included. It reads them through the index on the
// user (see the package documentation): its cost grows with the user's
// sessions, not with the table. It returns an error wrapping the
// context's or pgx's error when the query fails (the table is missing,
// say), or when the index was missing and creating it fails.
func (s *Store) UserSessions(ctx context.Context, user string) ([]session.StoredSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: user sessions: %w", err)
	}
	if user == "" {
		return nil, nil // never a user (session.RecordUser)
	}
	if err := s.ensureIndex(ctx); err != nil { // the table was missing at New
		return nil, fmt.Errorf("pgstore: user sessions: create user index: %w", err)
	}
	var out []session.StoredSession
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		out = out[:0]
		rows, err := c.Query(ctx, s.usersSQL, user, nowSeconds())
		if err != nil {
			return err
		}
		defer rows.Close()
		now := time.Now()
		for rows.Next() {
			var f session.StoredSession
			if err := rows.Scan(&f.ID, &f.Record, &f.Expires); err != nil {
				return err
			}
			// ->> and RecordUser agree but on a user that is an object,
			// an array or a boolean, which ->> renders as text and
			// RecordUser does not count: never return another user's.
			if u, ok := session.RecordUser(f.Record, s.userKey); ok && u == user && f.Expires.After(now) {
				out = append(out, f)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: user sessions: %w", err)
	}
	return out, nil
}
