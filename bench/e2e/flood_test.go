package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flood is what one flood of new visitors left in the memory store's
// process.
type flood struct {
	visitors  int     // requests wrk counted as served: new visitors
	live      float64 // sessions the store holds afterwards
	rssBefore float64 // bytes, before the flood
	rssAfter  float64 // bytes, after the flood and the idle time
}

func (f flood) perSession() float64 { return (f.rssAfter - f.rssBefore) / f.live }

// measureFlood starts `cmd/visits -store memory` with its defaults (at
// most 100,000 sessions) and -metrics, floods it with new visitors (wrk
// without a cookie, -t2 -c64 for d), waits idle, then reads the process's
// resident memory and the sessions the store holds from /metrics.
func measureFlood(t *testing.T, e *env, d, idle time.Duration) flood {
	t.Helper()
	metricsAddr := freeAddr(t)
	tg := target{name: "visits memory (flood)", command: func(e *env, addr string) ([]string, []string) {
		return []string{filepath.Join(e.bin, "visits"), "-addr", addr, "-store", "memory",
			"-data", e.data, "-metrics", metricsAddr}, []string{secret}
	}}
	url := tg.start(t, e)
	metrics := "http://" + metricsAddr + "/metrics"
	var f flood
	f.rssBefore = scrapeGauge(t, metrics, "process_resident_memory_bytes")
	l := wrkRun{threads: 2, conns: 64, duration: d}.run(t, url)
	if l.bad > 0 {
		t.Errorf("flood: %d errors in %d requests", l.bad, l.requests)
	}
	f.visitors = l.requests
	time.Sleep(idle) // the measurement's own idle period, not a wait for a result
	f.rssAfter = scrapeGauge(t, metrics, "process_resident_memory_bytes")
	f.live = scrapeGauge(t, metrics, "visits_memory_sessions")
	if f.live <= 0 {
		t.Fatalf("flood: the store holds %v sessions after %d new visitors", f.live, f.visitors)
	}
	return f
}

// scrapeGauge reads the unlabelled sample name from a Prometheus text
// page.
func scrapeGauge(t *testing.T, url, name string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return x
		}
	}
	t.Fatalf("%s not found at %s (%v)", name, url, sc.Err())
	return 0
}

// renderFloods is the report's section on the floods.
func renderFloods(fs []flood, d, idle time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Memory store: resident memory per live session\n\n")
	fmt.Fprintf(&b, "`cmd/visits -store memory` with its defaults (at most 100,000 sessions) is flooded with new visitors (`wrk -t2 -c64 -d%v`, no cookie: each request creates and stores a session), then left idle for %v; the growth of the process's resident memory (`process_resident_memory_bytes` on `-metrics`) is divided by the sessions the store then holds (`visits_memory_sessions`). A fresh process each time.\n\n", d, idle)
	b.WriteString("| run | new visitors | live sessions | RSS before | RSS after | RSS growth per live session |\n|---|---|---|---|---|---|\n")
	var per []float64
	for i, f := range fs {
		per = append(per, f.perSession())
		fmt.Fprintf(&b, "| %d | %d | %.0f | %.1f MiB | %.1f MiB | %.0f B |\n", i+1, f.visitors, f.live, f.rssBefore/(1<<20), f.rssAfter/(1<<20), f.perSession())
	}
	fmt.Fprintf(&b, "\nMedian: %.0f B per live session.\n", median(per))
	return b.String()
}
