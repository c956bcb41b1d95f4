package main

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsAddrHandler is a slog.Handler that reports the address in the
// "visits: metrics" record.
type metricsAddrHandler struct {
	slog.Handler
	addr chan string
}

func (h metricsAddrHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "visits: metrics" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				select {
				case h.addr <- a.Value.String():
				default:
				}
				return false
			}
			return true
		})
	}
	return h.Handler.Handle(ctx, r)
}

func TestStoreKind(t *testing.T) {
	for store, want := range map[string]string{
		"memory":                      "memory",
		"cookie":                      "cookie",
		"sqlite":                      "sqlite",
		"sqlite:/tmp/s.db":            "sqlite",
		"redis://localhost:6379/0":    "redis",
		"rediss://cache:6380/1":       "redis",
		"postgres://u@db/sessions":    "postgres",
		"postgresql://u@db/sessions":  "postgres",
		"mysql://u@db/sessions":       "unknown",
		"Memory":                      "unknown",
		"":                            "unknown",
		"sqlite-but-not-really:x.db":  "unknown",
		"redis:/localhost:6379/0":     "unknown",
		"postgres:/u@db/sessions":     "unknown",
		"memcached://localhost:11211": "unknown",
	} {
		if got := storeKind(store); got != want {
			t.Errorf("storeKind(%q) = %q, want %q", store, got, want)
		}
	}
}

func TestParseMetricsFlag(t *testing.T) {
	c, err := parseFlags([]string{"-metrics", ":9090"})
	if err != nil || c.metrics != ":9090" {
		t.Errorf("parseFlags(-metrics :9090) = %+v, %v; want metrics :9090", c, err)
	}
	if c, _ := parseFlags(nil); c.metrics != "" {
		t.Errorf("metrics defaults to %q, want off", c.metrics)
	}
}

func TestRunMetricsBadAddress(t *testing.T) {
	err := run(context.Background(),
		[]string{"-addr", "127.0.0.1:0", "-store", "memory", "-data", t.TempDir(), "-metrics", "127.0.0.1:notaport"},
		env(nil), testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("run with a bad -metrics address = %v, want a metrics error", err)
	}
}

// scrape GETs url and parses Prometheus's text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d", url, res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("scrape Content-Type %q, want Prometheus's text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("scrape: parse: %v", err)
	}
	return fams
}

// series returns the metrics of family name whose labels include labels.
func series(fams map[string]*dto.MetricFamily, name string, labels map[string]string) []*dto.Metric {
	var out []*dto.Metric
	f, ok := fams[name]
	if !ok {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// counterValue is the sum of the counter series of name with labels.
func counterValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	var n float64
	for _, m := range series(fams, name, labels) {
		n += m.GetCounter().GetValue()
	}
	return n
}

func TestRunServesMetrics(t *testing.T) {
	addrc, metricsc := make(chan string, 1), make(chan string, 1)
	log := slog.New(metricsAddrHandler{
		Handler: addrHandler{Handler: levelFloor{slog.NewTextHandler(t.Output(), nil), slog.LevelWarn}, addr: addrc},
		addr:    metricsc,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-metrics", "127.0.0.1:0", "-store", "memory", "-data", t.TempDir()}, env(nil), log)
	}()
	var addr, metricsAddr string
	for addr == "" || metricsAddr == "" {
		select {
		case addr = <-addrc:
		case metricsAddr = <-metricsc:
		case err := <-done:
			t.Fatalf("run returned before listening: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("run did not log both addresses within 30s")
		}
	}
	base, metricsURL := "http://"+addr, "http://"+metricsAddr+"/metrics"

	before := scrape(t, metricsURL)
	if n := counterValue(before, "session_events_total", map[string]string{"event": "created"}); n != 0 {
		t.Errorf("created before any request = %v, want 0", n)
	}

	get := func(cookie string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET /: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET / with %q: %d", cookie, res.StatusCode)
		}
		return res
	}
	var cookie string
	for _, c := range get("").Cookies() { // a new visitor
		if c.Name == "connect.sid" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatal("the new visitor got no session cookie")
	}
	get(cookie)                                   // returning
	get(otherID(cookie))                          // forged: rejected, then a new session
	get("connect.sid=" + strings.Repeat("x", 10)) // not a signed cookie at all

	fams := scrape(t, metricsURL)
	mem := func(kv ...string) map[string]string {
		l := map[string]string{"kind": "memory"}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"session_events_total", mem("event", "created"), 3},
		{"session_events_total", mem("event", "loaded"), 1},
		{"session_cookies_rejected_total", mem("reason", "forged"), 1},
		{"session_cookies_rejected_total", mem("reason", "garbage"), 1},
		{"session_store_errors_total", mem(), 0},
	} {
		if got := counterValue(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Three visitors got a session in the memory store.
	if g := series(fams, "visits_memory_sessions", nil); len(g) != 1 || g[0].GetGauge().GetValue() != 3 {
		t.Errorf("visits_memory_sessions = %v, want one gauge at 3", g)
	}
	// Their records are off the Go heap (on Unix), in at least one chunk
	// each for the records and their metadata.
	offHeap := 2 * 64 << 10
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" || runtime.GOOS == "plan9" {
		offHeap = 0
	}
	if g := series(fams, "visits_memory_offheap_bytes", nil); len(g) != 1 || g[0].GetGauge().GetValue() < float64(offHeap) {
		t.Errorf("visits_memory_offheap_bytes = %v, want one gauge at 128 KiB or more", g)
	}
	if got := counterValue(fams, "session_events_total", mem("event", "saved")); got < 3 {
		t.Errorf("session_events_total{event=saved} = %v, want at least 3", got)
	}
	var calls uint64
	for _, m := range series(fams, "session_store_duration_seconds", mem("operation", "get", "outcome", "ok")) {
		calls += m.GetHistogram().GetSampleCount()
	}
	if calls != 1 {
		t.Errorf("session_store_duration_seconds{operation=get,outcome=ok} count = %d, want 1 (the returning visitor)", calls)
	}
	calls = 0
	for _, m := range series(fams, "session_store_duration_seconds", mem()) {
		calls += m.GetHistogram().GetSampleCount()
	}
	if calls < 4 {
		t.Errorf("session_store_duration_seconds count = %d, want at least 4 store calls", calls)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("no go_goroutines: the Go collector is not registered")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancel")
	}
	if res, err := http.Get(metricsURL); err == nil {
		res.Body.Close()
		t.Errorf("metrics server at %s still answers after run returned", metricsAddr)
	}
}

// otherID returns the "connect.sid=s%3AID.SIG" cookie with the first
// character of its ID changed: well-formed, but its signature no longer
// verifies.
func otherID(cookie string) string {
	c := []byte(cookie)
	i := len("connect.sid=s%3A")
	if c[i] == 'A' {
		c[i] = 'B'
	} else {
		c[i] = 'A'
	}
	return string(c)
}
