// Package browsertest drives the visit tracker (cmd/visits) in a real
// headless Chromium through chromedp. It is a module of its own so that
// the session library never depends on chromedp.
package browsertest
