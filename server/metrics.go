package server

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler is GET /metrics: the server's counters (Stats), the
// process's (resident memory, CPU seconds, open files) and the Go
// runtime's (memory, GC, goroutines, scheduling latency), in Prometheus's
// text format. They live in a registry of the
// server's own, not the process-wide default, so that two servers in one
// process (as in the tests) each report their own counters.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		statsCollector{s},
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		// The scheduler's latencies (how long runnable goroutines wait)
		// and pauses besides the usual memory and GC figures: with a few
		// goroutines per session, they say when the server falls behind.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler)),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// onLoopback serves GET /metrics on the main listener only when it is on
// a loopback address, where whoever reaches it is on this machine; else
// the metrics are Config.MetricsAddr's alone (404 here).
func onLoopback(metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if a, ok := local.(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			http.Error(w, "socketlab: the metrics are served only at serve --metrics-addr", http.StatusNotFound)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// serveMetrics serves GET /metrics at Config.MetricsAddr, on a listener
// and a server of their own, until stop is called.
func (s *Server) serveMetrics() (stop func(), err error) {
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: s.cfg.RequestTimeout,
		IdleTimeout: s.cfg.KeepAliveTimeout, MaxHeaderBytes: MaxHeaderBytes}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	s.log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { hs.Close(); <-done }, nil
}

// Names of metrics /metrics reports that its readers (socketlab bench)
// look for: the server's own, and some of the process and Go collectors'.
const (
	MetricSessionsOpen = "socketlab_sessions_open"
	MetricPackets      = "socketlab_packets_total" // by direction: in, out
	MetricRSS          = "process_resident_memory_bytes"
	MetricCPU          = "process_cpu_seconds_total"
	MetricGoroutines   = "go_goroutines"
	MetricHeapInUse    = "go_memstats_heap_inuse_bytes"
)

// The metrics read from Stats.
var (
	sessionsOpenDesc = prometheus.NewDesc(MetricSessionsOpen,
		"Bridge sessions open now.", nil, nil)
	sessionsStartedDesc = prometheus.NewDesc("socketlab_sessions_started_total",
		"Bridge sessions started.", nil, nil)
	packetsDesc = prometheus.NewDesc(MetricPackets,
		"Binary messages (IPv4 packets) from clients (in, dropped or not) and written to clients (out).",
		[]string{"direction"}, nil)
	bytesDesc = prometheus.NewDesc("socketlab_packet_bytes_total",
		"Bytes of the packets counted by socketlab_packets_total.",
		[]string{"direction"}, nil)
	textInDesc = prometheus.NewDesc("socketlab_text_messages_in_total",
		"Text messages from clients that were understood.", nil, nil)
	eventsOutDesc = prometheus.NewDesc("socketlab_events_out_total",
		"Event messages written to clients.", nil, nil)
	dropsDesc = prometheus.NewDesc("socketlab_drops_total",
		"Messages the bridge let go, by reason.", []string{"reason"}, nil)
	refusedDesc = prometheus.NewDesc("socketlab_upgrades_refused_total",
		"Upgrades to /bridge that did not become sessions, by reason.", []string{"reason"}, nil)
	connsRefusedDesc = prometheus.NewDesc("socketlab_lab_connections_refused_total",
		"TCP connections into lab servers closed at once for being over the per-session bound.", nil, nil)
	closedDesc = prometheus.NewDesc("socketlab_sessions_closed_total",
		"Bridge sessions ended, by the close code the client received (1006: the connection was lost, no close frame).",
		[]string{"code"}, nil)
	errorsDesc = prometheus.NewDesc("socketlab_bridge_errors_total",
		"What went wrong on the server's side, which no client causes: lab networks that would not start, failed writes, events that would not encode.",
		nil, nil)
)

// statsCollector reports Server.Stats as Prometheus metrics, read at each
// scrape: the counters are the bridge's own, kept once.
type statsCollector struct{ s *Server }

// Describe sends the descriptors of every metric Collect sends.
func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		sessionsOpenDesc, sessionsStartedDesc, packetsDesc, bytesDesc, textInDesc, eventsOutDesc,
		dropsDesc, refusedDesc, closedDesc, connsRefusedDesc, errorsDesc,
	} {
		ch <- d
	}
}

// Collect sends one snapshot of the server's counters.
func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(sessionsOpenDesc, float64(st.SessionsCurrent))
	counter(sessionsStartedDesc, st.SessionsTotal)
	counter(packetsDesc, st.PacketsIn, "in")
	counter(packetsDesc, st.PacketsOut, "out")
	counter(bytesDesc, st.BytesIn, "in")
	counter(bytesDesc, st.BytesOut, "out")
	counter(textInDesc, st.TextIn)
	counter(eventsOutDesc, st.EventsOut)
	counter(dropsDesc, st.Drops.Spoofed, "spoofed")
	counter(dropsDesc, st.Drops.Malformed, "malformed")
	counter(dropsDesc, st.Drops.TooBig, "too_big")
	counter(dropsDesc, st.Drops.Rate, "rate")
	counter(dropsDesc, st.Drops.QueueFull, "queue_full")
	counter(dropsDesc, st.Drops.BadText, "bad_text")
	counter(dropsDesc, st.Drops.Isolated, "isolated")
	counter(refusedDesc, st.Refused.Origin, "origin")
	counter(refusedDesc, st.Refused.Full, "full")
	counter(refusedDesc, st.Refused.Student, "student")
	counter(refusedDesc, st.Refused.Address, "address")
	counter(refusedDesc, st.Refused.Handshake, "handshake")
	for code, n := range st.Closed {
		counter(closedDesc, n, strconv.Itoa(code))
	}
	counter(connsRefusedDesc, st.ConnsRefused)
	counter(errorsDesc, st.Errors)
}
