package otelsession_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/otelsession"
	"github.com/sessionkit/session/sealed"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

const secret = "otelsession-test-secret-of-32-bytes!"

// switchStore is a real memory store behind a switch that makes every
// call fail, standing in for a store server that is down.
type switchStore struct {
	*memstore.Store
	mu   sync.Mutex
	down bool
}

// errDown is the store's failure; its text must never reach a span.
var errDown = errors.New("connection refused by 10.0.0.7")

func (f *switchStore) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *switchStore) isDown() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

func (f *switchStore) Get(ctx context.Context, id string) ([]byte, time.Time, error) {
	if f.isDown() {
		return nil, time.Time{}, errDown
	}
	return f.Store.Get(ctx, id)
}

func (f *switchStore) Set(ctx context.Context, id string, b []byte, exp time.Time) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Set(ctx, id, b, exp)
}

func (f *switchStore) Patch(ctx context.Context, id string, p *session.Patch, exp time.Time) ([]byte, error) {
	if f.isDown() {
		return nil, errDown
	}
	return f.Store.Patch(ctx, id, p, exp)
}

func (f *switchStore) Touch(ctx context.Context, id string, exp time.Time) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Touch(ctx, id, exp)
}

func (f *switchStore) Destroy(ctx context.Context, id string) error {
	if f.isDown() {
		return errDown
	}
	return f.Store.Destroy(ctx, id)
}

// harness is a session.Manager on a switchStore, observed with the SDK's
// in-memory span recorder and a manual metric reader. Each request runs
// inside a "request" span, as under otelhttp.
type harness struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	store  *switchStore
	h      http.Handler
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	obs, err := otelsession.New(otelsession.Options{TracerProvider: tp, MeterProvider: mp, StoreKind: "memory"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	store := &switchStore{Store: memstore.New(memstore.Options{})}
	t.Cleanup(func() { store.Close() })
	m, err := session.New(session.Options{
		Secrets: []string{secret}, Store: store, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if r.URL.Path == "/reset" {
			if err := s.Destroy(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
			return
		}
		n, _ := session.Get[int](s, "visits")
		if err := s.Set("visits", n+1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write([]byte(strconv.Itoa(n + 1)))
	})
	tracer := tp.Tracer("test")
	inner := m.Handler(app)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "request")
		defer span.End()
		inner.ServeHTTP(w, r.WithContext(ctx))
	})
	return &harness{spans: spans, reader: reader, store: store, h: h}
}

// get serves GET path with cookie (a "name=value" pair, or "") and
// returns the response.
func (h *harness) get(path, cookie string) *http.Response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec.Result()
}

// take returns the spans ended since the last call: the request span and
// the store spans.
func (h *harness) take(t *testing.T, seen *int) (request sdktrace.ReadOnlySpan, store []sdktrace.ReadOnlySpan) {
	t.Helper()
	ended := h.spans.Ended()
	for _, s := range ended[*seen:] {
		if s.Name() == "request" {
			request = s
		} else {
			store = append(store, s)
		}
	}
	*seen = len(ended)
	if request == nil {
		t.Fatal("no request span ended")
	}
	return request, store
}

func (h *harness) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

func findMetric(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

func hasAll(set attribute.Set, attrs []attribute.KeyValue) bool {
	for _, kv := range attrs {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// count is the sum of the counter name's points that have attrs.
func count(t *testing.T, rm metricdata.ResourceMetrics, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, ok := findMetric(rm, name)
	if !ok {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is a %T, want a Sum[int64]", name, m.Data)
	}
	if !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality {
		t.Errorf("%s: monotonic %v, temporality %v; want a cumulative counter", name, sum.IsMonotonic, sum.Temporality)
	}
	var n int64
	for _, dp := range sum.DataPoints {
		if hasAll(dp.Attributes, attrs) {
			n += dp.Value
		}
	}
	return n
}

// histCount is the number of values recorded in the histogram name with
// attrs.
func histCount(t *testing.T, rm metricdata.ResourceMetrics, name string, attrs ...attribute.KeyValue) uint64 {
	t.Helper()
	m, ok := findMetric(rm, name)
	if !ok {
		return 0
	}
	hist, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is a %T, want a Histogram[float64]", name, m.Data)
	}
	var n uint64
	for _, dp := range hist.DataPoints {
		if hasAll(dp.Attributes, attrs) {
			n += dp.Count
		}
	}
	return n
}

func attrOf(kvs []attribute.KeyValue, key attribute.Key) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

// checkStoreSpan checks a store span's name, attributes, status and
// parent.
func checkStoreSpan(t *testing.T, s sdktrace.ReadOnlySpan, op, outcome string, parent trace.SpanContext) {
	t.Helper()
	if want := "session.store " + op; s.Name() != want {
		t.Errorf("span %q, want %q", s.Name(), want)
	}
	for key, want := range map[attribute.Key]string{
		"session.store.operation": op,
		"session.store.kind":      "memory",
		"session.store.outcome":   outcome,
	} {
		if got := attrOf(s.Attributes(), key); got != want {
			t.Errorf("span %q: %s = %q, want %q", s.Name(), key, got, want)
		}
	}
	wantCode := codes.Unset
	if outcome == "error" {
		wantCode = codes.Error
	}
	if s.Status().Code != wantCode {
		t.Errorf("span %q (%s): status %v, want %v", s.Name(), outcome, s.Status().Code, wantCode)
	}
	if s.Parent().SpanID() != parent.SpanID() || s.SpanContext().TraceID() != parent.TraceID() {
		t.Errorf("span %q: parent %v, want the request span %v", s.Name(), s.Parent().SpanID(), parent.SpanID())
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name())
	}
	return names
}

func eventNames(s sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, e := range s.Events() {
		n := e.Name
		if r := attrOf(e.Attributes, "session.reason"); r != "" {
			n += ":" + r
		}
		names = append(names, n)
	}
	return names
}

func sessionCookie(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == "connect.sid" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie in %q", res.Header.Values("Set-Cookie"))
	return ""
}

// sessionID is the ID in a signed cookie "connect.sid=s%3AID.SIG".
func sessionID(t *testing.T, cookie string) string {
	t.Helper()
	v, err := url.QueryUnescape(strings.TrimPrefix(cookie, "connect.sid="))
	if err != nil {
		t.Fatal(err)
	}
	id, _, ok := strings.Cut(strings.TrimPrefix(v, "s:"), ".")
	if !ok || len(id) < 16 {
		t.Fatalf("cookie %q holds no session ID", cookie)
	}
	return id
}

func kv(k, v string) attribute.KeyValue { return attribute.String(k, v) }

func TestObserverSpansAndMetrics(t *testing.T) {
	h := newHarness(t)
	seen := 0
	want := func(t *testing.T, rm metricdata.ResourceMetrics, name string, n int64, attrs ...attribute.KeyValue) {
		t.Helper()
		if got := count(t, rm, name, attrs...); got != n {
			t.Errorf("%s%v = %d, want %d", name, attrs, got, n)
		}
	}
	wantHist := func(t *testing.T, rm metricdata.ResourceMetrics, op, outcome string, n uint64) {
		t.Helper()
		if got := histCount(t, rm, "session.store.duration", kv("operation", op), kv("outcome", outcome), kv("kind", "memory")); got != n {
			t.Errorf("session.store.duration{%s,%s} count = %d, want %d", op, outcome, got, n)
		}
	}

	// A new visitor: one store write, created and saved.
	res := h.get("/", "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("new visitor: %d", res.StatusCode)
	}
	cookie := sessionCookie(t, res)
	ids := []string{sessionID(t, cookie)}
	req, store := h.take(t, &seen)
	if len(store) != 1 {
		t.Fatalf("new visitor: store spans %q, want one set", spanNames(store))
	}
	checkStoreSpan(t, store[0], "set", "ok", req.SpanContext())
	if got, want := eventNames(req), []string{"session.created", "session.saved"}; !slices.Equal(got, want) {
		t.Errorf("new visitor: request span events %q, want %q", got, want)
	}
	rm := h.collect(t)
	want(t, rm, "session.events", 1, kv("event", "created"), kv("kind", "memory"))
	want(t, rm, "session.events", 1, kv("event", "saved"))
	want(t, rm, "session.events", 0, kv("event", "loaded"))
	wantHist(t, rm, "set", "ok", 1)

	// Returning: a get, then a patch.
	res = h.get("/", cookie)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("returning: %d", res.StatusCode)
	}
	req, store = h.take(t, &seen)
	if got := spanNames(store); !slices.Equal(got, []string{"session.store get", "session.store patch"}) {
		t.Fatalf("returning: store spans %q, want get and patch", got)
	}
	checkStoreSpan(t, store[0], "get", "ok", req.SpanContext())
	checkStoreSpan(t, store[1], "patch", "ok", req.SpanContext())
	rm = h.collect(t)
	want(t, rm, "session.events", 1, kv("event", "created"))
	want(t, rm, "session.events", 1, kv("event", "loaded"))
	want(t, rm, "session.events", 2, kv("event", "saved"))
	wantHist(t, rm, "get", "ok", 1)
	wantHist(t, rm, "patch", "ok", 1)

	// A forged cookie: rejected, no store call; the request goes on with
	// a new session.
	forged := otherID(cookie)
	res = h.get("/", forged)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("forged: %d", res.StatusCode)
	}
	ids = append(ids, sessionID(t, sessionCookie(t, res)))
	req, store = h.take(t, &seen)
	if got := spanNames(store); !slices.Equal(got, []string{"session.store set"}) {
		t.Errorf("forged: store spans %q, want only the new session's set", got)
	}
	if got := eventNames(req); len(got) == 0 || got[0] != "session.rejected:forged" {
		t.Errorf("forged: request span events %q, want session.rejected:forged first", got)
	}
	rm = h.collect(t)
	want(t, rm, "session.cookies.rejected", 1, kv("reason", "forged"), kv("kind", "memory"))
	want(t, rm, "session.cookies.rejected", 1)
	want(t, rm, "session.events", 0, kv("event", "rejected"))
	want(t, rm, "session.events", 2, kv("event", "created"))

	// Destroyed, then the old cookie again: a miss, counted as expired,
	// and not as a store error.
	if res := h.get("/reset", cookie); res.StatusCode != http.StatusOK {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	req, store = h.take(t, &seen)
	if got := spanNames(store); !slices.Equal(got, []string{"session.store get", "session.store destroy"}) {
		t.Fatalf("reset: store spans %q, want get and destroy", got)
	}
	checkStoreSpan(t, store[1], "destroy", "ok", req.SpanContext())
	if res := h.get("/", cookie); res.StatusCode != http.StatusOK {
		t.Fatalf("gone: %d", res.StatusCode)
	}
	req, store = h.take(t, &seen)
	if len(store) == 0 {
		t.Fatal("gone: no store span")
	}
	checkStoreSpan(t, store[0], "get", "miss", req.SpanContext())
	if got := eventNames(req); len(got) == 0 || got[0] != "session.expired:expired" {
		t.Errorf("gone: request span events %q, want session.expired:expired first", got)
	}
	rm = h.collect(t)
	want(t, rm, "session.events", 1, kv("event", "destroyed"))
	want(t, rm, "session.events", 1, kv("event", "expired"))
	wantHist(t, rm, "get", "miss", 1)
	want(t, rm, "session.store.errors", 0)

	// The store is down: 503, an error span and a store error.
	h.store.setDown(true)
	res = h.get("/", cookie)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d, want 503", res.StatusCode)
	}
	req, store = h.take(t, &seen)
	if len(store) != 1 {
		t.Fatalf("store down: store spans %q, want one get", spanNames(store))
	}
	checkStoreSpan(t, store[0], "get", "error", req.SpanContext())
	if d := store[0].Status().Description; d != "session store error" {
		t.Errorf("store down: status description %q, want the fixed one", d)
	}
	rm = h.collect(t)
	want(t, rm, "session.store.errors", 1, kv("operation", "get"), kv("kind", "memory"))
	want(t, rm, "session.store.errors", 1)
	wantHist(t, rm, "get", "error", 1)
	wantHist(t, rm, "get", "ok", 2) // returning and reset

	// Back up: the store works again, and nothing new failed.
	h.store.setDown(false)
	if res := h.get("/", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("store up: %d", res.StatusCode)
	}
	rm = h.collect(t)
	want(t, rm, "session.store.errors", 1)
	want(t, rm, "session.events", 4, kv("event", "created"))

	// The instruments and their units.
	for name, unit := range map[string]string{
		"session.events":           "{event}",
		"session.cookies.rejected": "{cookie}",
		"session.store.duration":   "s",
		"session.store.errors":     "{error}",
	} {
		m, ok := findMetric(rm, name)
		if !ok {
			t.Errorf("no instrument %s", name)
			continue
		}
		if m.Unit != unit {
			t.Errorf("%s unit %q, want %q", name, m.Unit, unit)
		}
	}

	// Nothing recorded carries a session ID or the store's error text.
	noSecrets(t, h.spans.Ended(), rm, append(ids, errDown.Error()))
}

// noSecrets fails if a span or metric attribute, a span name, event or
// status holds one of secrets.
func noSecrets(t *testing.T, spans []sdktrace.ReadOnlySpan, rm metricdata.ResourceMetrics, secrets []string) {
	t.Helper()
	var texts []string
	addAttrs := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			texts = append(texts, string(kv.Key)+"="+kv.Value.String())
		}
	}
	for _, s := range spans {
		texts = append(texts, s.Name(), s.Status().Description)
		addAttrs(s.Attributes())
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			addAttrs(e.Attributes)
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					addAttrs(dp.Attributes.ToSlice())
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					addAttrs(dp.Attributes.ToSlice())
				}
			}
		}
	}
	if len(texts) < 10 {
		t.Fatalf("only %d texts to check", len(texts))
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("recorded %q holds %q", text, s)
			}
		}
	}
}

func TestObserverSealed(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	obs, err := otelsession.New(otelsession.Options{MeterProvider: mp, StoreKind: "cookie"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := sealed.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := sealed.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := session.NewSealed(session.SealedOptions{Sealer: box, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	h := sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("visits", 1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", "session=garbage!")
	h.ServeHTTP(httptest.NewRecorder(), req)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	// The garbage cookie's request starts a session too.
	if got := count(t, rm, "session.events", kv("event", "created"), kv("kind", "cookie")); got != 2 {
		t.Errorf("sealed created{kind=cookie} = %d, want 2", got)
	}
	if got := count(t, rm, "session.cookies.rejected", kv("kind", "cookie"), kv("reason", "garbage")); got != 1 {
		t.Errorf("sealed rejected{kind=cookie,reason=garbage} = %d, want 1", got)
	}
	if got := histCount(t, rm, "session.store.duration"); got != 0 {
		t.Errorf("sealed sessions made %d store calls, want none", got)
	}
}

func TestDefaultStoreKind(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	obs, err := otelsession.New(otelsession.Options{MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	obs.Event(context.Background(), session.EventLoaded, session.ReasonNone)
	_, end := obs.StoreCall(context.Background(), "scan") // an operation added later
	end(nil)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if got := count(t, rm, "session.events", kv("event", "loaded"), kv("kind", "unknown")); got != 1 {
		t.Errorf("loaded{kind=unknown} = %d, want 1", got)
	}
	if got := histCount(t, rm, "session.store.duration", kv("operation", "scan"), kv("outcome", "ok")); got != 1 {
		t.Errorf("duration{operation=scan} count = %d, want 1", got)
	}
}

// failingMeter is an OpenTelemetry meter that cannot make counters.
type failingMeter struct{ noop.Meter }

var errNoCounter = errors.New("no counters here")

func (failingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return nil, errNoCounter
}

type failingMeterProvider struct{ noop.MeterProvider }

func (failingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter { return failingMeter{} }

func TestNewReturnsInstrumentError(t *testing.T) {
	obs, err := otelsession.New(otelsession.Options{MeterProvider: failingMeterProvider{}})
	if !errors.Is(err, errNoCounter) || obs != nil {
		t.Errorf("New with a failing meter = %v, %v; want nil and the meter's error", obs, err)
	}
}

func BenchmarkStoreCall(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	obs, err := otelsession.New(otelsession.Options{TracerProvider: tp, MeterProvider: mp, StoreKind: "memory"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, end := obs.StoreCall(ctx, session.OpGet)
		end(nil)
	}
}

func BenchmarkStoreCallNotSampled(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	obs, err := otelsession.New(otelsession.Options{TracerProvider: tp, MeterProvider: mp, StoreKind: "memory"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, end := obs.StoreCall(ctx, session.OpGet)
		end(nil)
	}
}

func BenchmarkEvent(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	obs, err := otelsession.New(otelsession.Options{MeterProvider: mp, StoreKind: "memory"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		obs.Event(ctx, session.EventLoaded, session.ReasonNone)
	}
}

// otherID returns the "connect.sid=s%3AID.SIG" cookie with the first
// character of its ID changed: well-formed, but its signature no longer
// verifies (changing the percent-encoded tail could cut an escape and make
// it garbage instead).
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
