package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sessionkit/session/otelsession"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// storeKind returns the otelsession store kind of a -store value:
// memory, sqlite, redis, postgres or cookie.
func storeKind(store string) string {
	switch {
	case store == "memory" || store == "cookie":
		return store
	case store == "sqlite" || strings.HasPrefix(store, "sqlite:"):
		return "sqlite"
	case strings.HasPrefix(store, "redis://") || strings.HasPrefix(store, "rediss://"):
		return "redis"
	case strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://"):
		return "postgres"
	}
	return "unknown"
}

// metricsServer serves the session metrics in Prometheus's text format.
type metricsServer struct {
	observer *otelsession.Observer
	provider *sdkmetric.MeterProvider
	srv      *http.Server
	done     chan struct{}
	memStore atomic.Pointer[memoryStore] // the memory store, once it is open
}

// memoryStore is what the memory store's gauges read.
type memoryStore interface {
	Len() int
	OffHeapBytes() int
}

// memoryGauge returns the gauge function reporting what read reads of
// the memory store, 0 with another store.
func (m *metricsServer) memoryGauge(read func(memoryStore) int) func() float64 {
	return func() float64 {
		if st := m.memStore.Load(); st != nil {
			return float64(read(*st))
		}
		return 0
	}
}

// countMemory has the memory store's gauges report st.
func (m *metricsServer) countMemory(st memoryStore) { m.memStore.Store(&st) }

// startMetrics listens on addr and serves /metrics there: the session
// metrics of an otelsession.Observer for the store kind of store, through
// the OpenTelemetry Prometheus exporter, and the Go runtime's and the
// process's. It returns the listener's or the exporter's error, and
// nothing started, when it cannot.
func startMetrics(addr, store string, log *slog.Logger) (*metricsServer, error) {
	reg := prometheus.NewRegistry()
	m := &metricsServer{done: make(chan struct{})}
	if err := errors.Join(
		reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "visits_memory_sessions",
			Help: "Sessions the memory store holds, expired ones not yet swept included (0 with another store).",
		}, m.memoryGauge(memoryStore.Len))),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "visits_memory_offheap_bytes",
			Help: "Bytes the memory store holds outside the Go heap (records and their metadata; in the resident memory, not in the go_memstats figures; 0 with another store).",
		}, m.memoryGauge(memoryStore.OffHeapBytes))),
	); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	obs, err := otelsession.New(otelsession.Options{MeterProvider: provider, StoreKind: storeKind(store)})
	if err != nil {
		provider.Shutdown(context.Background())
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		provider.Shutdown(context.Background())
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.observer, m.provider, m.srv = obs, provider, newServer(mux, log)
	log.Info("visits: metrics", "addr", ln.Addr().String(), "path", "/metrics")
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("visits: metrics server", "err", err)
		}
	}()
	return m, nil
}

// shutdown stops the metrics server and the meter provider, waiting for
// scrapes in flight until ctx ends. It returns the first error of either.
func (m *metricsServer) shutdown(ctx context.Context) error {
	err := m.srv.Shutdown(ctx)
	<-m.done
	return errors.Join(err, m.provider.Shutdown(ctx))
}
