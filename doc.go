// Package session is server-side HTTP session middleware for net/http: every
// request under the middleware gets a *Session, its data kept in a Store
// (memory, SQLite, Redis, PostgreSQL, or your own), saved before the
// response headers go out, and identified by a signed session-ID cookie.
//
// Add the middleware with Manager.Handler and get the session in a handler
// with From:
//
//	store := memstore.New(memstore.Options{})
//	defer store.Close()
//	m, err := session.New(session.Options{
//		Secrets: []string{os.Getenv("SESSION_SECRET")},
//		Store:   store,
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("/", m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		s := session.From(r)
//		visits, err := s.Increment(r.Context(), "visits", 1)
//		if err != nil {
//			http.Error(w, "try again", http.StatusServiceUnavailable)
//			return
//		}
//		fmt.Fprintf(w, "You have visited this page %d times.", visits)
//	})))
//
// Read with Get, change with Set, Delete and Increment, sign users in and out
// with SignIn and SignOut, and list or end a user's sessions with
// UserSessions and EndOtherSessions. NewSealed (package sealed) keeps the
// data in an encrypted cookie instead; Options.Header carries the session ID
// in a header for API clients; Options.Observer reports to metrics and
// traces (module otelsession); flash messages are Flash and Flashes.
//
// Each manager keeps its session under its own context key: with two in
// one request (a Manager's Handler around a SealedManager's), m.From(r)
// gives each manager's session and From the innermost. A handler's unit
// test needs no manager: put a zero Session in the request with
// NewContext, run the handler, and read what it set.
//
// The package also speaks Node's formats, for teams moving an app from Node
// route by route: the cookie is express-session's ("connect.sid", "s:" + ID
// + "." + HMAC-SHA256), the stored record is express-session's JSON, the
// Redis and PostgreSQL stores use connect-redis's and connect-pg-simple's
// layouts, a sign-in is Passport's and a flash message connect-flash's, so a
// Go service and a Node service on the same secret and store share sessions.
// The options and decisions follow express-session's, with the differences
// listed below.
//
// # When sessions are saved and cookies sent
//
// The decisions are express-session's (see Manager.Handler): a new session
// is stored, and its cookie sent, only once something is set in it (unless
// Options.SaveUninitialized); a loaded session is written back only when
// modified (unless Options.Resave), and otherwise touched so that its
// server-side expiry slides; its cookie is re-sent when modified and
// persistent, or with Options.Rolling whenever its expiry is renewed. A
// forged, garbage or unknown cookie is treated as no cookie: a new session
// with a fresh ID.
//
// Where this package deliberately differs from express-session:
//
//   - Sliding expiry is lazy (Options.Renew): an unmodified session
//     is touched, and a Rolling cookie re-sent, only once half of its
//     lifetime has passed since its expiry was last set, not on every
//     request. A session then ends between half a lifetime and a lifetime
//     after its last request. RenewEveryRequest() restores express-session's
//     behaviour.
//   - The store write happens before the response headers go out, so the
//     client's next request reads it (express-session sends the headers
//     first). Changes made after the headers went out are saved when the
//     handler returns, or logged as ErrHeadersWritten when the cookie they
//     need could not be sent; never dropped silently.
//   - Defaults are safer: SameSite=Lax, Secure on HTTPS requests
//     (SecureAuto), Resave and SaveUninitialized false.
//   - Destroy also sends an expiring cookie (express-session 1.x leaves
//     the cookie, expressjs/session#241).
//   - Regenerate can keep the data (expressjs/session#425).
//   - SetMaxAge ("remember me") counts as a modification and is saved
//     (expressjs/session#452).
//   - IdleTimeout and AbsoluteTimeout, which express-session lacks.
//   - Unset applies to a session the request emptied with Clear or
//     Delete, since Go has no "req.session = null".
//   - A store that is down gives a 503 from Options.ErrorHandler, logged
//     once, never a hang or a panic.
//   - Vary: Cookie and Cache-Control: no-cache="Set-Cookie" accompany
//     every Set-Cookie.
//   - Stored user keys are written in sorted order.
//
// # Concurrent requests of one session
//
// Browsers send requests in parallel, and each request works on its own
// copy of the session. With a store that implements Patcher (all the
// stores of this module do) a save writes only the keys the request set or
// deleted, atomically, on top of the latest stored record: two requests
// that change different keys both keep their change, where express-session
// and the Go libraries keep only the last writer's whole record. Two
// requests that Set the same key still race, and the last save wins for
// that key; for counters use Session.Increment, whose additions are applied
// to the latest stored value, so a hundred parallel visits add exactly a
// hundred. Clear and Regenerate(ctx, false) delete the keys the request
// saw; a key another request adds meanwhile survives. New and regenerated
// sessions are written whole, since no other request knows their ID.
//
// # Signing in
//
// Session.SignIn and Session.SignOut do what Passport 0.7's req.login and
// req.logout do, in the same order and with the same stored shape,
// {"passport": {"user": <user>}}, so a Node app using Passport on the same
// store agrees on who is signed in: the session is regenerated at sign-in
// (fixation defence) and saved before the response. Session.User reads
// the user back. With a Store that implements UserIndex, the signed-in
// user's sessions are listed (Session.UserSessions), ended one by one by
// an opaque handle (Session.EndUserSession) or all but the current one
// (Session.EndOtherSessions), and Options.MaxSessionsPerUser caps them.
// Sealed sessions have no server-side record: they sign in and out, but
// cannot be listed or ended from elsewhere (ErrNoIndex).
//
// Security notes follow OWASP's Session Management Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
package session
