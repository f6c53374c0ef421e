package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// maxMetricsBody bounds what a scrape reads.
const maxMetricsBody = 4 << 20

// sample is one scrape of the server's /metrics: each metric's value,
// added up over its labels, and when it was read.
type sample struct {
	at     time.Time
	values map[string]float64
}

// get returns the value of a metric and whether the server reported it.
func (s *sample) get(name string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	v, ok := s.values[name]
	return v, ok
}

// scrape reads the metrics at url.
func scrape(ctx context.Context, client *http.Client, url string) (*sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	req.Header.Set("Accept", "text/plain")
	at := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: GET %s: %s", url, resp.Status)
	}
	return parseMetrics(at, io.LimitReader(resp.Body, maxMetricsBody))
}

// parseMetrics reads metrics in Prometheus's text format.
func parseMetrics(at time.Time, r io.Reader) (*sample, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	s := &sample{at: at, values: map[string]float64{}}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			switch {
			case m.Counter != nil:
				s.values[name] += m.Counter.GetValue()
			case m.Gauge != nil:
				s.values[name] += m.Gauge.GetValue()
			case m.Untyped != nil:
				s.values[name] += m.Untyped.GetValue()
			}
		}
	}
	return s, nil
}
