package otelsession_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/memstore"
	"github.com/sessionkit/session/otelsession"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A Manager observed with OpenTelemetry. A real service leaves the
// providers out to use the global ones (otel.SetTracerProvider,
// otel.SetMeterProvider), or passes its own; here in-memory ones show what
// one new visitor records.
func ExampleNew() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	obs, err := otelsession.New(otelsession.Options{TracerProvider: tp, MeterProvider: mp, StoreKind: "memory"})
	if err != nil {
		log.Fatal(err)
	}
	store := memstore.New(memstore.Options{})
	defer store.Close()
	m, err := session.New(session.Options{
		Secrets:  []string{"an-example-secret-of-32-bytes-or-more"},
		Store:    store,
		Observer: obs,
	})
	if err != nil {
		log.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("visits", 1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	for _, s := range spans.Ended() {
		fmt.Print("span: ", s.Name())
		for _, kv := range s.Attributes() {
			fmt.Printf(" %s=%s", kv.Key, kv.Value.String())
		}
		fmt.Println()
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					e, _ := dp.Attributes.Value("event")
					fmt.Printf("%s{event=%s} %d\n", m.Name, e.AsString(), dp.Value)
				}
			}
		}
	}
	// Unordered output:
	// span: session.store set session.store.operation=set session.store.kind=memory session.store.outcome=ok
	// session.events{event=created} 1
	// session.events{event=saved} 1
}
