package server

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics reports the bridge's counters as Stats has them, beside the
// process's and the Go runtime's, in Prometheus's text format.
func TestMetrics(t *testing.T) {
	ls := serve(t, Config{})
	c := dial(t, ls, nil)
	c.echoes(40000)
	st := ls.waitStats(t, "the echo's packets", func(st Stats) bool {
		return st.SessionsCurrent == 1 && st.PacketsIn == 1 && st.PacketsOut >= 1
	})

	resp, err := http.Get("http://" + ls.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: %s, Content-Type %q; want 200, text/plain", resp.Status, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}

	value := func(name string, labels ...string) float64 {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Fatalf("/metrics has no %s", name)
		}
	metrics:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				if labelValue(m, labels[i]) != labels[i+1] {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
		t.Fatalf("/metrics has no %s%v", name, labels)
		return 0
	}

	if got := value("socketlab_sessions_open"); got != 1 {
		t.Errorf("socketlab_sessions_open = %v, want 1", got)
	}
	if got := value("socketlab_sessions_started_total"); got != 1 {
		t.Errorf("socketlab_sessions_started_total = %v, want 1", got)
	}
	// The counters only grow: the scrape came after st.
	if got := value("socketlab_packets_total", "direction", "in"); got < float64(st.PacketsIn) || got == 0 {
		t.Errorf("socketlab_packets_total{direction=in} = %v, want ≥ %d", got, st.PacketsIn)
	}
	if got := value("socketlab_packets_total", "direction", "out"); got < float64(st.PacketsOut) || got == 0 {
		t.Errorf("socketlab_packets_total{direction=out} = %v, want ≥ %d", got, st.PacketsOut)
	}
	if got := value("socketlab_packet_bytes_total", "direction", "in"); got < float64(st.BytesIn) || got == 0 {
		t.Errorf("socketlab_packet_bytes_total{direction=in} = %v, want ≥ %d", got, st.BytesIn)
	}
	for _, reason := range []string{"spoofed", "malformed", "too_big", "rate", "queue_full", "bad_text"} {
		if got := value("socketlab_drops_total", "reason", reason); got != 0 {
			t.Errorf("socketlab_drops_total{reason=%s} = %v, want 0", reason, got)
		}
	}
	for _, reason := range []string{"origin", "full"} {
		if got := value("socketlab_upgrades_refused_total", "reason", reason); got != 0 {
			t.Errorf("socketlab_upgrades_refused_total{reason=%s} = %v, want 0", reason, got)
		}
	}
	value("socketlab_bridge_errors_total")
	value("socketlab_lab_connections_refused_total")
	if got := value("go_goroutines"); got <= 0 {
		t.Errorf("go_goroutines = %v", got)
	}
	// socketlab bench reads the heap by this name.
	if got := value(MetricHeapInUse); got <= 0 {
		t.Errorf("%s = %v", MetricHeapInUse, got)
	}
	// The process collector reads /proc: Linux only.
	if _, ok := fams["process_resident_memory_bytes"]; ok {
		if got := value("process_resident_memory_bytes"); got <= 0 {
			t.Errorf("process_resident_memory_bytes = %v", got)
		}
		value("process_cpu_seconds_total")
	}
}

// labelValue is the value of m's label name, or "".
func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
