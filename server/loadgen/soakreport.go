package loadgen

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// FlatBound is how much a server's RSS or goroutines may grow from the
// level after warm-up to its lifetime's end and still be flat.
const FlatBound = 0.10

// SoakReport is what a soak measured.
type SoakReport struct {
	DurationS   float64 `json:"duration_s"`
	Interrupted bool    `json:"interrupted"` // cut short (Ctrl-C)
	Sessions    int     `json:"sessions"`    // outside a workshop, at once
	Students    int     `json:"students"`    // at once
	Attackers   int     `json:"attackers"`   // at once
	// SessionsServed are the sessions that came up, by kind (Kind…);
	// Faults, the faults injected, by kind, the server's restarts too.
	SessionsServed map[string]int64 `json:"sessions_served"`
	Served         int64            `json:"served"`
	Faults         map[string]int64 `json:"faults"`
	// Errors are the sessions, joins and reports that failed while the
	// server was up and not restarted since they began, by kind, with an
	// example of each; RestartErrors, those a restart explains.
	Errors        map[string]uint64 `json:"errors"`
	ErrorExamples map[string]string `json:"error_examples,omitempty"`
	RestartErrors uint64            `json:"restart_errors"`
	// StudentsJoined is how many students joined the workshop;
	// ReportsAcked, the progress records the server acknowledged;
	// ReportRetries, reports sent again after no answer or a refusal;
	// ReportsRefused, steps given up after maxRefusals refusals.
	StudentsJoined int    `json:"students_joined"`
	ReportsAcked   int    `json:"reports_acked"`
	ReportRetries  uint64 `json:"report_retries"`
	ReportsRefused uint64 `json:"reports_refused"`
	// RecordsStored is what the workshop holds at the end, read back
	// through the instructor's API from the last server; RecordsLost,
	// the acknowledged records it lacks (ReadBack false: not read).
	ReadBack      bool     `json:"read_back"`
	ReadBackError string   `json:"read_back_error,omitempty"`
	RecordsStored int      `json:"records_stored"`
	RecordsLost   int      `json:"records_lost"`
	LostExamples  []string `json:"lost_examples,omitempty"`
	// Lifetimes are the server's, start to stop; ServerExits, what was
	// wrong with how it stopped, if anything.
	Lifetimes   []SoakLifetime `json:"lifetimes"`
	ServerExits []string       `json:"server_exits,omitempty"`
	// Flat says whether the server's last lifetime was flat after
	// warm-up (RSS and goroutines each at most FlatBound above the level
	// after warm-up at its end); nil if it was too short to tell.
	Flat    *bool        `json:"flat"`
	WarmupS float64      `json:"warmup_s"`
	Samples []SoakSample `json:"samples"`
	DBPath  string       `json:"db"`
	LogPath string       `json:"server_log"`
	// LogBytes is the server's log at the end; LogMaxMBPerMinute, its
	// fastest growth between two samples a minute or more apart.
	LogBytes          int64   `json:"log_bytes"`
	LogMaxMBPerMinute float64 `json:"log_max_mb_per_minute"`
}

// SoakSample is one reading of the server's metrics.
type SoakSample struct {
	AtS          float64 `json:"at_s"`
	Lifetime     int     `json:"lifetime"`
	RSSMB        float64 `json:"rss_mb"`
	Goroutines   float64 `json:"goroutines"`
	SessionsOpen float64 `json:"sessions_open"`
	LogBytes     int64   `json:"log_bytes"` // the server's log's size
}

// SoakLifetime is one run of the server, from its start (its /healthz
// answering) to its stop, and its level after warm-up and at its end:
// the means of the samples of the Warmup after warm-up and of the last
// Warmup. The levels are nil for a lifetime shorter than 2 Warmups.
type SoakLifetime struct {
	N                   int      `json:"n"`
	StartS              float64  `json:"start_s"`
	EndS                float64  `json:"end_s"`
	EndedBy             string   `json:"ended_by"`
	RSSWarmMB           *float64 `json:"rss_warm_mb"`
	RSSEndMB            *float64 `json:"rss_end_mb"`
	RSSMaxMB            float64  `json:"rss_max_mb"`
	GoroutinesWarm      *float64 `json:"goroutines_warm"`
	GoroutinesEnd       *float64 `json:"goroutines_end"`
	RSSGrowthPct        *float64 `json:"rss_growth_pct"`
	GoroutinesGrowthPct *float64 `json:"goroutines_growth_pct"`
	Flat                *bool    `json:"flat"`
}

// report gathers the counts, once the sessions have ended.
func (s *soaker) report(interrupted bool) *SoakReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := &SoakReport{
		DurationS: s.since(), Interrupted: interrupted, Sessions: s.cfg.Sessions, Students: s.cfg.Students, Attackers: s.cfg.Attackers,
		SessionsServed: maps.Clone(s.served), Faults: maps.Clone(s.faults),
		Errors: maps.Clone(s.errors), ErrorExamples: maps.Clone(s.examples), RestartErrors: s.restartErrors,
		StudentsJoined: s.studentsJoined, ReportsAcked: len(s.acked), ReportRetries: s.reportRetries, ReportsRefused: s.refused,
		WarmupS: s.cfg.Warmup.Seconds(), Samples: slices.Clone(s.samples), DBPath: s.cfg.DB, LogPath: s.logPath,
	}
	for _, n := range s.served {
		rep.Served += n
	}
	if fi, err := os.Stat(s.logPath); err == nil {
		rep.LogBytes = fi.Size()
	}
	// The log's fastest minute: from each sample to the first a minute
	// or more after it.
	for i, a := range rep.Samples {
		for _, b := range rep.Samples[i+1:] {
			if dt := b.AtS - a.AtS; dt >= 60 {
				rep.LogMaxMBPerMinute = max(rep.LogMaxMBPerMinute, round(float64(b.LogBytes-a.LogBytes)/(1<<20)/dt*60))
				break
			}
		}
	}
	return rep
}

// analyse finds each lifetime's levels, and whether the last was flat.
func (rep *SoakReport) analyse(warmup time.Duration) {
	w := warmup.Seconds()
	for i := range rep.Lifetimes {
		l := &rep.Lifetimes[i]
		var rssWarm, rssEnd, gWarm, gEnd mean
		for _, smp := range rep.Samples {
			if smp.Lifetime != l.N {
				continue
			}
			l.RSSMaxMB = max(l.RSSMaxMB, smp.RSSMB)
			since := smp.AtS - l.StartS
			if since >= w && since < 2*w {
				rssWarm.add(smp.RSSMB)
				gWarm.add(smp.Goroutines)
			}
			if smp.AtS >= l.EndS-w {
				rssEnd.add(smp.RSSMB)
				gEnd.add(smp.Goroutines)
			}
		}
		if l.EndS-l.StartS < 2*w || rssWarm.n == 0 || rssEnd.n == 0 {
			continue
		}
		l.RSSWarmMB, l.RSSEndMB = ptr(round(rssWarm.value())), ptr(round(rssEnd.value()))
		l.GoroutinesWarm, l.GoroutinesEnd = ptr(round(gWarm.value())), ptr(round(gEnd.value()))
		rg, gg := growth(rssWarm.value(), rssEnd.value()), growth(gWarm.value(), gEnd.value())
		l.RSSGrowthPct, l.GoroutinesGrowthPct = ptr(round(100*rg)), ptr(round(100*gg))
		l.Flat = ptr(rg <= FlatBound && gg <= FlatBound)
	}
	if n := len(rep.Lifetimes); n > 0 {
		rep.Flat = rep.Lifetimes[n-1].Flat
	}
}

// mean is a running mean.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64)  { m.sum += v; m.n++ }
func (m *mean) value() float64 { return m.sum / float64(m.n) }
func growth(from, to float64) float64 {
	if from == 0 {
		return 0
	}
	return (to - from) / from
}

// WriteText writes the report for a person.
func (rep *SoakReport) WriteText(w io.Writer) error {
	var b strings.Builder
	term, kill := rep.Faults[FaultSIGTERM], rep.Faults[FaultSIGKILL]
	fmt.Fprintf(&b, "soak of %s: %d sessions, %d workshop students and %d attackers at once; the server restarted %d times (%d SIGTERM, %d SIGKILL)",
		time.Duration(rep.DurationS*float64(time.Second)).Round(time.Second), rep.Sessions, rep.Students, rep.Attackers, term+kill, term, kill)
	if rep.Interrupted {
		b.WriteString(", interrupted")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  sessions served  %d: %s\n", rep.Served, counts(rep.SessionsServed))
	faults := maps.Clone(rep.Faults)
	delete(faults, FaultSIGTERM)
	delete(faults, FaultSIGKILL)
	fmt.Fprintf(&b, "  faults injected  %s\n", counts(faults))
	fmt.Fprintf(&b, "  errors           %d explained by a restart; while the server was up: %s\n", rep.RestartErrors, counts(rep.Errors))
	for _, k := range slices.Sorted(maps.Keys(rep.ErrorExamples)) {
		fmt.Fprintf(&b, "                   %s: %s\n", k, rep.ErrorExamples[k])
	}
	if rep.ReadBack {
		fmt.Fprintf(&b, "  progress         %d records acknowledged to %d students, %d stored at the end, %d LOST; %d reports sent again, %d refused\n",
			rep.ReportsAcked, rep.StudentsJoined, rep.RecordsStored, rep.RecordsLost, rep.ReportRetries, rep.ReportsRefused)
		for _, l := range rep.LostExamples {
			fmt.Fprintf(&b, "                   lost: %s\n", l)
		}
	} else if rep.Students > 0 {
		fmt.Fprintf(&b, "  progress         %d records acknowledged, not read back: %s\n", rep.ReportsAcked, rep.ReadBackError)
	}
	fmt.Fprintf(&b, "  server lifetimes RSS MB and goroutines: mean of %v after warm-up (%v) → mean of the lifetime's last %v\n",
		time.Duration(rep.WarmupS*float64(time.Second)), time.Duration(rep.WarmupS*float64(time.Second)), time.Duration(rep.WarmupS*float64(time.Second)))
	for _, l := range rep.Lifetimes {
		fmt.Fprintf(&b, "    %2d  %6.0fs to %6.0fs, ended by %-16s", l.N, l.StartS, l.EndS, l.EndedBy)
		if l.Flat == nil {
			fmt.Fprintf(&b, " max RSS %.1f MB; too short to tell\n", l.RSSMaxMB)
			continue
		}
		fmt.Fprintf(&b, " RSS %.1f → %.1f (%+.1f%%, max %.1f), goroutines %.0f → %.0f (%+.1f%%)\n",
			*l.RSSWarmMB, *l.RSSEndMB, *l.RSSGrowthPct, l.RSSMaxMB, *l.GoroutinesWarm, *l.GoroutinesEnd, *l.GoroutinesGrowthPct)
	}
	switch {
	case rep.Flat == nil:
		b.WriteString("  flat             unknown: the last lifetime was too short\n")
	case *rep.Flat:
		fmt.Fprintf(&b, "  flat             yes: the last lifetime ended no more than %.0f%% above its level after warm-up\n", 100*FlatBound)
	default:
		fmt.Fprintf(&b, "  flat             NO: the last lifetime grew more than %.0f%% after warm-up\n", 100*FlatBound)
	}
	for _, e := range rep.ServerExits {
		fmt.Fprintf(&b, "  server exit      %s\n", e)
	}
	fmt.Fprintf(&b, "  server log       %.1f MB in all, at most %.2f MB a minute\n", float64(rep.LogBytes)/(1<<20), rep.LogMaxMBPerMinute)
	fmt.Fprintf(&b, "  store %s, server log %s\n", rep.DBPath, rep.LogPath)
	_, err := io.WriteString(w, b.String())
	return err
}

// counts is "a 1, b 2", or "none".
func counts[V int64 | uint64](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
