package loadgen

import (
	"strings"
	"testing"
	"time"
)

// A lifetime's level after warm-up is the mean of the Warmup after it,
// its end the mean of its last Warmup; the last lifetime says whether
// the soak was flat, and one too short to tell says nothing.
func TestSoakAnalyse(t *testing.T) {
	rep := &SoakReport{Lifetimes: []SoakLifetime{
		{N: 1, StartS: 0, EndS: 5, EndedBy: "SIGKILL"},
		{N: 2, StartS: 6, EndS: 36, EndedBy: "SIGTERM"},
		{N: 3, StartS: 37, EndS: 67, EndedBy: "end of the soak"},
	}}
	for at := 0.0; at <= 67; at++ {
		var life int
		var rss, gor float64
		switch {
		case at < 6:
			life, rss, gor = 1, 100, 10 // too short: not judged
		case at <= 36:
			life, rss, gor = 2, 50+at/100, 40 // flat
		default:
			life, rss, gor = 3, 50+at-37, 40 // grows 1 MB a second
		}
		rep.Samples = append(rep.Samples, SoakSample{AtS: at, Lifetime: life, RSSMB: rss, Goroutines: gor})
	}
	rep.analyse(10 * time.Second)
	l1, l2, l3 := rep.Lifetimes[0], rep.Lifetimes[1], rep.Lifetimes[2]
	if l1.Flat != nil || l1.RSSMaxMB != 100 {
		t.Errorf("lifetime 1: flat %v, max %v; want not judged, max 100", l1.Flat, l1.RSSMaxMB)
	}
	if l2.Flat == nil || !*l2.Flat || *l2.GoroutinesGrowthPct != 0 {
		t.Errorf("lifetime 2: %+v; want flat", l2)
	}
	// Warm: 10 to 19 s in, 64.5 MB; end: the last 10 s, 20 to 30 s in, 75 MB.
	if l3.Flat == nil || *l3.Flat || *l3.RSSWarmMB != 64.5 || *l3.RSSEndMB != 75 {
		t.Errorf("lifetime 3: %+v; want warm 64.5, end 75, not flat", l3)
	}
	if rep.Flat == nil || *rep.Flat {
		t.Errorf("flat %v, want the last lifetime's, false", rep.Flat)
	}
	var b strings.Builder
	rep.WriteText(&b)
	if !strings.Contains(b.String(), "flat             NO") || !strings.Contains(b.String(), "too short to tell") {
		t.Errorf("the text says:\n%s", b.String())
	}
}
