// Package sealed keeps the whole session in an encrypted cookie: no
// store, nothing shared between instances but the key. The data is JSON
// carrying "__ts" (the Unix second of its last write), sealed with
// XSalsa20-Poly1305 (NaCl secretbox) under a fresh 24-byte nonce per
// cookie; the cookie value is base64(box) + ";" + base64(nonce). Keys are
// 32 random bytes, rotated by listing several (the first seals, all open,
// and a cookie opened with an older key is sealed again with the first),
// or derived from a secret of at least 32 bytes and a 16-byte salt with
// Argon2id. (Node: this is @fastify/secure-session 8.x's cookie, byte for
// byte, with its key options, so a Go service and a Fastify app with the
// same key read each other's sessions.)
//
// A Box is the session.Sealer that session.NewSealed takes; the session
// API is the one of package session, so handlers call session.From(r) and
// do not change when the session kind does.
//
//	key, err := sealed.ParseKey(os.Getenv("SESSION_KEY")) // from `go run ./sealed/cmd/sessionkey`
//	if err != nil {
//		log.Fatal(err)
//	}
//	box, err := sealed.NewBox(key) // more keys: the first seals, all open
//	if err != nil {
//		log.Fatal(err)
//	}
//	m, err := session.NewSealed(session.SealedOptions{Sealer: box})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("/", m.Handler(visits))
//
// DeriveKey turns a secret of at least 32 bytes and a salt into a key
// (Argon2id, about a second: do it once, at start-up). (Node: the
// plugin's secret and salt options.)
//
// A cookie holds about 2.6 KB of JSON; Session.Set returns
// session.ErrCookieTooLarge past that (SealedManager.MaxPayload gives the
// exact figure for a configuration), never a cookie the browser would drop.
// Sealed sessions cannot be revoked before they expire ("__ts" + Expiry):
// keep the expiry short, or use server-side sessions, where logout matters.
package sealed
