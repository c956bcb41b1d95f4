package main

import "net/http"

// The headers every response carries: a Content-Security-Policy that
// allows the site's own stylesheet and nothing else (no script at all, no
// inline style, no framing, forms posting only here), no MIME sniffing,
// and no Referer to other sites.
var (
	cspHeader = []string{"default-src 'none'; style-src 'self'; img-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
	nosniffHeader  = []string{"nosniff"}
	referrerHeader = []string{"same-origin"}
	frameHeader    = []string{"DENY"} // frame-ancestors, for browsers that predate it
	noStoreHeader  = []string{"no-store"}
)

// secure wraps h with the security headers and the cross-origin
// protection: every POST (every request that changes state) from another
// origin gets 403, before it reaches a session. The header values are
// shared slices of length 1, so they cost no allocation per request.
func (a *app) secure(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(a.crossOrigin))
	h = cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Security-Policy"] = cspHeader
		hd["X-Content-Type-Options"] = nosniffHeader
		hd["Referrer-Policy"] = referrerHeader
		hd["X-Frame-Options"] = frameHeader
		h.ServeHTTP(w, r)
	})
}

// noStore keeps the response out of every cache: it shows session data.
func noStore(w http.ResponseWriter) { w.Header()["Cache-Control"] = noStoreHeader }

// crossOrigin answers a request CrossOriginProtection rejected.
func (a *app) crossOrigin(w http.ResponseWriter, r *http.Request) {
	a.log.Warn("visits: cross-origin request rejected", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	a.errorPage(w, http.StatusForbidden, "Request refused",
		"This form was sent from another site, so it was refused. Nothing has changed.")
}
