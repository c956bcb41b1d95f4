package main

import "strings"

// browserName returns the browser and version a User-Agent names, and
// its platform when it says: "Firefox 128 on Linux", "Safari 17.4 on
// iOS", "curl 8.5.0". It knows Edge, Opera, Chrome, Chromium, Firefox,
// Safari and curl; anything else is "Unknown browser". The order of the
// checks matters: Edge and Opera also say Chrome, Chrome also says
// Safari.
func browserName(ua string) string {
	name := "Unknown browser"
	for _, b := range browsers {
		v, ok := tokenVersion(ua, b.token)
		if !ok || (b.without != "" && strings.Contains(ua, b.without)) {
			continue
		}
		if b.versionFrom != "" {
			v, _ = tokenVersion(ua, b.versionFrom)
		}
		v = trimVersion(v, b.parts)
		name = b.name
		if v != "" {
			name += " " + v
		}
		break
	}
	if os := platform(ua); os != "" {
		name += " on " + os
	}
	return name
}

// browsers are the products browserName knows, the first match winning.
var browsers = []struct {
	token       string // "Name/" followed by the version
	name        string
	without     string // not when the User-Agent also has this
	versionFrom string // the version is that token's instead
	parts       int    // version components kept (0: all)
}{
	{token: "Edg/", name: "Edge", parts: 1},
	{token: "EdgA/", name: "Edge", parts: 1},
	{token: "EdgiOS/", name: "Edge", parts: 1},
	{token: "Edge/", name: "Edge", parts: 1}, // EdgeHTML, before Chromium
	{token: "OPR/", name: "Opera", parts: 1},
	{token: "HeadlessChrome/", name: "Headless Chrome", parts: 1},
	{token: "Chromium/", name: "Chromium", parts: 1},
	{token: "CriOS/", name: "Chrome", parts: 1},
	{token: "Chrome/", name: "Chrome", parts: 1},
	{token: "FxiOS/", name: "Firefox", parts: 1},
	{token: "Firefox/", name: "Firefox", parts: 1},
	{token: "Safari/", name: "Safari", without: "Android", versionFrom: "Version/", parts: 2},
	{token: "curl/", name: "curl"},
}

// tokenVersion returns the version after token ("1.2.3" of "Name/1.2.3
// …"), and whether token occurs at the start of a product.
func tokenVersion(ua, token string) (string, bool) {
	for i := 0; ; {
		j := strings.Index(ua[i:], token)
		if j < 0 {
			return "", false
		}
		j += i
		if j == 0 || ua[j-1] == ' ' || ua[j-1] == ')' || ua[j-1] == '(' || ua[j-1] == ';' {
			rest := ua[j+len(token):]
			end := strings.IndexFunc(rest, func(r rune) bool { return !(r == '.' || r >= '0' && r <= '9') })
			if end < 0 {
				end = len(rest)
			}
			return strings.Trim(rest[:end], "."), true
		}
		i = j + len(token)
	}
}

// trimVersion keeps the first parts components of v (all for 0).
func trimVersion(v string, parts int) string {
	if parts <= 0 {
		return v
	}
	f := strings.SplitN(v, ".", parts+1)
	if len(f) > parts {
		f = f[:parts]
	}
	return strings.Join(f, ".")
}

// platform returns the operating system a browser's User-Agent names, ""
// when it names none.
func platform(ua string) string {
	switch {
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		return "iOS"
	case strings.Contains(ua, "Android"):
		return "Android"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return "macOS"
	case strings.Contains(ua, "Linux") || strings.Contains(ua, "X11"):
		return "Linux"
	}
	return ""
}
