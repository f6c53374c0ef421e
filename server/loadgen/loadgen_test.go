package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/server"
)

func TestEndpoints(t *testing.T) {
	for _, tc := range []struct{ in, bridge, metrics string }{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/bridge", "http://127.0.0.1:8080/metrics"},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/bridge", "http://127.0.0.1:8080/metrics"},
		{"ws://127.0.0.1:8080", "ws://127.0.0.1:8080/bridge", "http://127.0.0.1:8080/metrics"},
		{"ws://127.0.0.1:8080/bridge", "ws://127.0.0.1:8080/bridge", "http://127.0.0.1:8080/metrics"},
		{"https://lab.example.org", "wss://lab.example.org/bridge", "https://lab.example.org/metrics"},
		{"wss://lab.example.org/socketlab/bridge", "wss://lab.example.org/socketlab/bridge", "https://lab.example.org/socketlab/metrics"},
	} {
		b, m, err := Endpoints(tc.in)
		if err != nil || b != tc.bridge || m != tc.metrics {
			t.Errorf("Endpoints(%q) = %q, %q, %v; want %q, %q", tc.in, b, m, err, tc.bridge, tc.metrics)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://host", "http://", "http://host/?x=1", "http://u:p@host"} {
		if _, _, err := Endpoints(bad); err == nil {
			t.Errorf("Endpoints(%q): no error", bad)
		}
	}
}

func TestConfigBounds(t *testing.T) {
	ok := Config{Server: "http://x", Sessions: 1, Rate: 1, Duration: time.Second}
	if c, err := ok.check(); err != nil || c.Timeout != DefaultTimeout {
		t.Fatalf("check(%+v) = %+v, %v", ok, c, err)
	}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Sessions = 0 }, "sessions: 0"},
		{func(c *Config) { c.Sessions = MaxSessions + 1 }, "sessions: 100001"},
		{func(c *Config) { c.Rate = -0.5 }, "rate: -0.5"},
		{func(c *Config) { c.Rate = math.NaN() }, "rate: NaN"},
		{func(c *Config) { c.Rate = MaxRate + 1 }, "rate: 1001"},
		{func(c *Config) { c.Duration = 0 }, "duration: 0s"},
		{func(c *Config) { c.Duration = MaxDuration + 1 }, "duration:"},
		{func(c *Config) { c.Ramp = -1 }, "ramp:"},
		{func(c *Config) { c.Timeout = -1 }, "timeout:"},
		{func(c *Config) { c.StepRate = MaxStepRate + 1 }, "step rate: 601"},
		{func(c *Config) { c.StepRate = math.NaN() }, "step rate: NaN"},
		{func(c *Config) { c.HandChance = 1.5 }, "hand chance: 1.5"},
		{func(c *Config) { c.StepRate, c.Exercises = 1, []Exercise{{"round-trip", 3}} }, "needs Workshop"},
		{func(c *Config) { c.StepRate, c.Workshop = 1, true }, "no exercises"},
	} {
		c := ok
		tc.change(&c)
		if _, err := c.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("check: %v, want an error with %q", err, tc.want)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 || h.mean() != 0 {
		t.Error("an empty histogram has values")
	}
	// 1 ms to 1000 ms, one of each.
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.9, 900 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tc.q)
		if d := math.Abs(float64(got-tc.want)) / float64(tc.want); d > 1.0/64 {
			t.Errorf("quantile(%v) = %v, want %v within 1/64", tc.q, got, tc.want)
		}
	}
	if h.max != time.Second || h.n != 1000 {
		t.Errorf("max %v, n %d", h.max, h.n)
	}
	// Small values are exact; huge ones are counted, not lost.
	var s histogram
	s.record(37 * time.Microsecond)
	s.record(100 * time.Hour)
	if got := s.quantile(0.5); got != 37*time.Microsecond {
		t.Errorf("quantile of 37 µs = %v", got)
	}
	if got := s.quantile(1); got != 100*time.Hour {
		t.Errorf("largest = %v, want the max, 100h", got)
	}
	var sum histogram
	sum.add(&h)
	sum.add(&s)
	if sum.n != 1002 || sum.max != 100*time.Hour {
		t.Errorf("added: n %d max %v", sum.n, sum.max)
	}
}

// Every bucket's middle falls in that bucket.
func TestHistogramBuckets(t *testing.T) {
	var h histogram
	for i := range len(h.counts) {
		if b := bucket(bucketValue(i)); b != i {
			t.Fatalf("bucket(bucketValue(%d) = %d) = %d", i, bucketValue(i), b)
		}
	}
	if b := bucket(1<<maxBits - 1); b != len(h.counts)-1 {
		t.Errorf("the largest value is in bucket %d of %d", b, len(h.counts))
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.048576e+07
# TYPE socketlab_packets_total counter
socketlab_packets_total{direction="in"} 10
socketlab_packets_total{direction="out"} 32
`
	s, err := parseMetrics(time.Now(), strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s.get(server.MetricRSS); !ok || v != 10<<20 {
		t.Errorf("RSS = %v, %v", v, ok)
	}
	if v, ok := s.get(server.MetricPackets); !ok || v != 42 {
		t.Errorf("packets = %v, %v; want in and out added up, 42", v, ok)
	}
	if _, ok := s.get(server.MetricCPU); ok {
		t.Error("a metric not in the text was found")
	}
	var none *sample
	if _, ok := none.get(server.MetricRSS); ok {
		t.Error("no sample has values")
	}
	if _, err := parseMetrics(time.Now(), strings.NewReader("not metrics {{{")); err == nil {
		t.Error("garbage parsed")
	}
}
