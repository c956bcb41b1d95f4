package main

import (
	"strconv"
	"time"

	"github.com/sessionkit/session/cmd/visits/web"
)

// relTime shows t as seen at now: "just now", "1 minute ago", "3 hours
// ago", "yesterday", "4 days ago", then the date ("2 Jan 2006"). A zero t
// is "unknown"; a t after now (clocks apart) is "just now".
func relTime(t, now time.Time) web.Time {
	if t.IsZero() {
		return web.Time{Text: "unknown"}
	}
	wt := web.Time{ISO: t.UTC().Format(time.RFC3339)}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		wt.Text = "just now"
	case d < time.Hour:
		wt.Text = plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		wt.Text = plural(int(d/time.Hour), "hour") + " ago"
	case d < 48*time.Hour:
		wt.Text = "yesterday"
	case d < 7*24*time.Hour:
		wt.Text = plural(int(d/(24*time.Hour)), "day") + " ago"
	default:
		wt.Text = t.UTC().Format("2 Jan 2006")
	}
	return wt
}

// plural is "1 minute", "2 minutes".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
