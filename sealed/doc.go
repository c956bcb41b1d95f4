// Package sealed keeps the whole session in an encrypted cookie, byte for
// byte as Node's @fastify/secure-session 8.x does: XSalsa20-Poly1305
// (NaCl secretbox) with a fresh 24-byte nonce per cookie, the value
// base64(box) + ";" + base64(nonce), the JSON data carrying "__ts", and
// the same key options: raw 32-byte keys (rotated: the first seals, all
// open, and a cookie opened with an older key is re-sealed with the first),
// or a secret of at least 32 bytes and a 16-byte salt through Argon2id.
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
// DeriveKey turns a secret of at least 32 bytes and a salt into a key as
// the plugin's secret and salt options do (Argon2id, about a second: do
// it once, at start-up).
//
// A cookie holds about 2.6 KB of JSON; Session.Set returns
// session.ErrCookieTooLarge past that (SealedManager.MaxPayload gives the
// exact figure for a configuration), never a cookie the browser would drop.
// Sealed sessions cannot be revoked before they expire ("__ts" + Expiry):
// keep the expiry short, or use server-side sessions, where logout matters.
package sealed
