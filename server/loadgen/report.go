package loadgen

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/socketlab/socketlab/server"
)

// packetsPerRoundTrip estimates the packets of a round trip when the
// server's count is not at hand: the data, its echo, and an ACK each way.
const packetsPerRoundTrip = 4

// Report is what a run measured. Round trips and their latencies are
// those begun after the ramp, while every session that came up was up;
// those of the ramp are counted apart. The server's figures come from
// its /metrics; they are null when it could not be read.
type Report struct {
	Bridge      string  `json:"bridge"`
	Sessions    int     `json:"sessions"`
	Rate        float64 `json:"rate"` // round trips a second per session
	DurationS   float64 `json:"duration_s"`
	RampS       float64 `json:"ramp_s"`
	Interrupted bool    `json:"interrupted"` // cut short (Ctrl-C)
	// Workshop is the code of the workshop the sessions joined
	// (Config.Workshop), "" when each was a student alone; WorkshopError
	// says why it could not be deleted at the end.
	Workshop      string `json:"workshop,omitempty"`
	WorkshopError string `json:"workshop_error,omitempty"`

	SessionsOK     int `json:"sessions_ok"`     // up, and working at the end
	SessionsFailed int `json:"sessions_failed"` // failed to come up, or failed after: see Errors
	// SessionsNotStarted were not started, or were still coming up, when
	// the run ended.
	SessionsNotStarted int     `json:"sessions_not_started"`
	SessionUpP50Ms     float64 `json:"session_up_p50_ms"` // WebSocket, hello and TCP handshake
	SessionUpP99Ms     float64 `json:"session_up_p99_ms"`
	SessionUpMaxMs     float64 `json:"session_up_max_ms"`

	RoundTrips     uint64  `json:"round_trips"`
	RoundTripsPerS float64 `json:"round_trips_per_s"`
	RTTP50Ms       float64 `json:"rtt_p50_ms"`
	RTTP90Ms       float64 `json:"rtt_p90_ms"`
	RTTP99Ms       float64 `json:"rtt_p99_ms"`
	RTTMaxMs       float64 `json:"rtt_max_ms"`
	RTTMeanMs      float64 `json:"rtt_mean_ms"`
	RampRoundTrips uint64  `json:"ramp_round_trips"`
	RampRTTP99Ms   float64 `json:"ramp_rtt_p99_ms"`
	// LateTicks counts ticks skipped because the round trip before ran
	// over, or the load generator was too busy to keep time.
	LateTicks uint64 `json:"late_ticks"`
	// PacketsPerS are the server's packets in and out a second, after the
	// ramp: counted by the server (PacketsFrom "server"), or estimated as
	// 4 a round trip ("estimate").
	PacketsPerS float64 `json:"packets_per_s"`
	PacketsFrom string  `json:"packets_from"`
	// ClientLinkDrops are packets the simulated hosts could not queue on
	// their WebSocket; ClientInboundDrops, packets from the server their
	// stacks had no room for. Either costs a TCP retransmission.
	ClientLinkDrops    uint64 `json:"client_link_drops"`
	ClientInboundDrops uint64 `json:"client_inbound_drops"`

	ServerRSSBeforeMB *float64 `json:"server_rss_before_mb"`
	ServerRSSMB       *float64 `json:"server_rss_mb"` // at the end, sessions still up
	// ServerRSSPerSessionKB is the growth of the server's RSS over the
	// run, shared among the sessions up at the end.
	ServerRSSPerSessionKB *float64 `json:"server_rss_per_session_kb"`
	ServerHeapMB          *float64 `json:"server_heap_mb"` // Go heap in use, at the end
	ServerGoroutines      *float64 `json:"server_goroutines"`
	ServerCPUS            *float64 `json:"server_cpu_s"` // over the whole run, ramp included
	// ServerCPUPerRoundTripUs is the server's CPU time after the ramp
	// over the round trips made then.
	ServerCPUPerRoundTripUs *float64 `json:"server_cpu_us_per_round_trip"`
	ServerMetricsError      string   `json:"server_metrics_error,omitempty"`

	// The class (Config.StepRate): steps reported and acknowledged
	// (confirmed ones among them), from request to answer; hands raised.
	StepRate         float64 `json:"step_rate"` // a minute, per session
	Reports          uint64  `json:"reports"`
	ReportsConfirmed uint64  `json:"reports_confirmed"`
	ReportP50Ms      float64 `json:"report_p50_ms"`
	ReportP99Ms      float64 `json:"report_p99_ms"`
	HandsRaised      uint64  `json:"hands_raised"`

	LoadgenCPUS      float64 `json:"loadgen_cpu_s"`
	LoadgenPeakRSSMB float64 `json:"loadgen_peak_rss_mb"`

	Errors        map[string]uint64 `json:"errors"`         // by kind: failed sessions, failed reports and hands
	ErrorExamples map[string]string `json:"error_examples"` // the first of each kind
}

// report builds the run's report; the samples are the server's metrics
// before the run, at the end of the ramp and at the end (nil if not read).
// workshopCode is the code of the run's workshop, "" without one.
func (r *runner) workshopCode() string {
	if r.workshop == nil {
		return ""
	}
	return r.workshop.code
}

func (r *runner) report(end time.Time, interrupted bool, before, hold, after *sample, metricsErr error) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	ms := func(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }
	rep := &Report{
		Bridge:      r.bridgeURL,
		Workshop:    r.workshopCode(),
		Sessions:    r.cfg.Sessions,
		Rate:        r.cfg.Rate,
		DurationS:   r.cfg.Duration.Seconds(),
		RampS:       r.cfg.Ramp.Seconds(),
		Interrupted: interrupted,

		SessionsOK:         int(r.ok.Load()),
		SessionsFailed:     int(r.failed.Load()),
		SessionsNotStarted: int(r.notStarted.Load()),
		SessionUpP50Ms:     ms(r.upTimes.quantile(0.5)),
		SessionUpP99Ms:     ms(r.upTimes.quantile(0.99)),
		SessionUpMaxMs:     ms(r.upTimes.max),

		RoundTrips:     r.hold.n,
		RTTP50Ms:       ms(r.hold.quantile(0.5)),
		RTTP90Ms:       ms(r.hold.quantile(0.9)),
		RTTP99Ms:       ms(r.hold.quantile(0.99)),
		RTTMaxMs:       ms(r.hold.max),
		RTTMeanMs:      ms(r.hold.mean()),
		RampRoundTrips: r.ramp.n,
		RampRTTP99Ms:   ms(r.ramp.quantile(0.99)),
		LateTicks:      r.late.Load(),

		StepRate:         r.cfg.StepRate,
		Reports:          r.reports.n,
		ReportsConfirmed: r.reportsConfirmed,
		ReportP50Ms:      ms(r.reports.quantile(0.5)),
		ReportP99Ms:      ms(r.reports.quantile(0.99)),
		HandsRaised:      r.handsRaised.Load(),

		ClientLinkDrops:    r.linkDrops.Load(),
		ClientInboundDrops: r.inboundDrops.Load(),
		Errors:             maps.Clone(r.errors),
		ErrorExamples:      maps.Clone(r.examples),
	}
	window := end.Sub(r.holdStart).Seconds()
	if window > 0 {
		rep.RoundTripsPerS = round(float64(r.hold.n) / window)
	}
	rep.PacketsPerS, rep.PacketsFrom = round(rep.RoundTripsPerS*packetsPerRoundTrip), "estimate"
	if metricsErr != nil {
		rep.ServerMetricsError = metricsErr.Error()
	}

	mb := func(s *sample, name string) *float64 {
		if v, ok := s.get(name); ok {
			return ptr(round(v / (1 << 20)))
		}
		return nil
	}
	rep.ServerRSSBeforeMB = mb(before, server.MetricRSS)
	rep.ServerRSSMB = mb(after, server.MetricRSS)
	rep.ServerHeapMB = mb(after, server.MetricHeapInUse)
	if v, ok := after.get(server.MetricGoroutines); ok {
		rep.ServerGoroutines = &v
	}
	rss0, ok0 := before.get(server.MetricRSS)
	rss1, ok1 := after.get(server.MetricRSS)
	if ok0 && ok1 && rep.SessionsOK > 0 {
		rep.ServerRSSPerSessionKB = ptr(round((rss1 - rss0) / 1024 / float64(rep.SessionsOK)))
	}
	cpu0, ok0 := before.get(server.MetricCPU)
	cpu1, ok1 := after.get(server.MetricCPU)
	if ok0 && ok1 {
		rep.ServerCPUS = ptr(round(cpu1 - cpu0))
	}
	if cpuHold, ok := hold.get(server.MetricCPU); ok && ok1 && r.hold.n > 0 {
		rep.ServerCPUPerRoundTripUs = ptr(round((cpu1 - cpuHold) * 1e6 / float64(r.hold.n)))
	}
	p0, ok0 := hold.get(server.MetricPackets)
	p1, ok1 := after.get(server.MetricPackets)
	if ok0 && ok1 {
		if secs := after.at.Sub(hold.at).Seconds(); secs > 0 {
			rep.PacketsPerS, rep.PacketsFrom = round((p1-p0)/secs), "server"
		}
	}
	return rep
}

func ptr[T any](v T) *T { return &v }

// round keeps three decimals.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// WriteText writes the report for people.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	what := fmt.Sprintf("%v round trips/s each", rep.Rate)
	if rep.Rate == 0 {
		what = "idle (one TCP connection open each)"
	}
	fmt.Fprintf(&b, "socketlab bench: %d sessions, %s, %vs after a %vs ramp, on %s", rep.Sessions, what, rep.DurationS, rep.RampS, rep.Bridge)
	if rep.Interrupted {
		b.WriteString(" (interrupted)")
	}
	b.WriteString("\n")
	if rep.Workshop != "" {
		fmt.Fprintf(&b, "  workshop     %s: every session joined it through /join and shares its network\n", rep.Workshop)
	}
	if rep.WorkshopError != "" {
		fmt.Fprintf(&b, "  workshop     not deleted: %s\n", rep.WorkshopError)
	}
	fmt.Fprintf(&b, "  sessions     %d ok, %d failed, %d not started; up in p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		rep.SessionsOK, rep.SessionsFailed, rep.SessionsNotStarted, rep.SessionUpP50Ms, rep.SessionUpP99Ms, rep.SessionUpMaxMs)
	if rep.Rate > 0 {
		fmt.Fprintf(&b, "  round trips  %d after the ramp, %.1f/s; %d during the ramp; %d late ticks skipped\n",
			rep.RoundTrips, rep.RoundTripsPerS, rep.RampRoundTrips, rep.LateTicks)
		fmt.Fprintf(&b, "  latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms (mean %.3f ms; p99 during the ramp %.3f ms)\n",
			rep.RTTP50Ms, rep.RTTP90Ms, rep.RTTP99Ms, rep.RTTMaxMs, rep.RTTMeanMs, rep.RampRTTP99Ms)
		src := "counted by the server"
		if rep.PacketsFrom != "server" {
			src = "estimated, 4 a round trip"
		}
		fmt.Fprintf(&b, "  packets      %.0f/s (%s)\n", rep.PacketsPerS, src)
	}
	if rep.StepRate > 0 {
		fmt.Fprintf(&b, "  class        %v steps a minute each: %d reports acknowledged (%d confirmed) in p50 %.1f ms, p99 %.1f ms; %d hands raised\n",
			rep.StepRate, rep.Reports, rep.ReportsConfirmed, rep.ReportP50Ms, rep.ReportP99Ms, rep.HandsRaised)
	}
	if rep.ServerMetricsError != "" {
		fmt.Fprintf(&b, "  server       no metrics: %s\n", rep.ServerMetricsError)
	}
	if rep.ServerRSSMB != nil {
		fmt.Fprintf(&b, "  server RSS   %s MB before, %s MB at the end (%s KB a session); Go heap %s MB; %s goroutines\n",
			num(rep.ServerRSSBeforeMB, 1), num(rep.ServerRSSMB, 1), num(rep.ServerRSSPerSessionKB, 1), num(rep.ServerHeapMB, 1), num(rep.ServerGoroutines, 0))
	}
	if rep.ServerCPUS != nil {
		fmt.Fprintf(&b, "  server CPU   %s s over the run; %s µs a round trip after the ramp\n", num(rep.ServerCPUS, 2), num(rep.ServerCPUPerRoundTripUs, 1))
	}
	fmt.Fprintf(&b, "  load gen     %.2f s CPU, peak RSS %.0f MB; the simulated hosts dropped %d packets going out, %d coming in\n",
		rep.LoadgenCPUS, rep.LoadgenPeakRSSMB, rep.ClientLinkDrops, rep.ClientInboundDrops)
	if len(rep.Errors) == 0 {
		b.WriteString("  errors       none\n")
	}
	for _, kind := range slices.Sorted(maps.Keys(rep.Errors)) {
		fmt.Fprintf(&b, "  error        %s: %d (first: %s)\n", kind, rep.Errors[kind], rep.ErrorExamples[kind])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// num formats v with prec decimals, or "?" for nil.
func num(v *float64, prec int) string {
	if v == nil {
		return "?"
	}
	return fmt.Sprintf("%.*f", prec, *v)
}
