package pages_test

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/a-h/templ"
	"github.com/socketlab/socketlab/server/pages"
	"github.com/socketlab/socketlab/static"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden renders each page and compares it with its golden file in
// testdata; run with -update after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	joinScreen := pages.JoinScreenView{Code: "ABCD-EFGH", Title: "Networks <b>101</b>", JoinURL: "http://lab.example/join/ABCD-EFGH", QRURL: "/join/ABCD-EFGH/qr.svg"}
	for name, page := range map[string]templ.Component{
		"home":         pages.Home("nc 127.0.0.1 7007", []pages.ExerciseLink{{ID: "round-trip", Title: "The round trip", Summary: "The eight steps.", Steps: 6}}, goldenServices),
		"home-no-echo": pages.Home("", nil, goldenServices),
		"lab":          pages.LabPage(nil, nil),
		"join":         pages.JoinPage(pages.JoinView{Code: "ABCD-EFGH", Title: "Networks <b>101</b>", Name: "<script>", Error: "name has 41 characters, more than 40"}),
		"join-unknown": pages.JoinPage(pages.JoinView{Code: "ABCD-EFGH", Error: "a join code has 8 characters"}),
		"workshop": pages.WorkshopPage(pages.WorkshopView{Code: "ABCD-EFGH", Title: "Networks 101", Name: "Ada <b>L</b>", Address: "10.0.1.7",
			Exercises: []pages.ExerciseLink{{ID: "round-trip", Title: "The round trip", Summary: "The eight steps."}, {ID: "be-the-server", Title: "Be <b>the</b> server", Locked: true}},
			ResumeURL: "http://lab.example/join/ABCD-EFGH?resume=TOKEN",
			JoinURL:   "http://lab.example/join/ABCD-EFGH", QRURL: "/join/ABCD-EFGH/qr.svg", Message: "Break <i>at</i> 10:30"}),
		"exercise-locked": pages.ExerciseLockedPage(pages.LockedView{Code: "ABCD-EFGH", Title: "Networks <b>101</b>", Exercise: "Be <b>the</b> server"}),
		"dashboard": pages.DashboardPage(pages.DashboardView{Code: "ABCD-EFGH", Authorized: true, Title: "Networks <b>101</b>",
			Exercises: []pages.DashboardExercise{{ID: "round-trip", Title: "The round trip", Steps: []string{"Make a socket", "Connect <b>"}}},
			JoinURL:   "http://lab.example/join/ABCD-EFGH", QRURL: "/join/ABCD-EFGH/qr.svg"}),
		"dashboard-signin": pages.DashboardPage(pages.DashboardView{Code: "ABCD-EFGH"}),
		"projector":        pages.ProjectorPage(pages.ProjectorView{Code: "ABCD-EFGH", Title: "Networks <b>101</b>", Join: joinScreen}),
		"join-screen":      pages.JoinScreenPage(joinScreen),
		"teach-signin":     pages.TeachPage(pages.TeachView{Error: "That is not this server’s <b>key</b>."}),
		"teach": pages.TeachPage(pages.TeachView{SignedIn: true, MaxStudents: 300,
			Workshops: []pages.TeachWorkshop{{Code: "ABCD-EFGH", Title: "Networks <b>101</b>", Students: 6, Online: 2, Created: "2026-12-08 09:00 UTC", LastActivity: "2026-12-08 09:40 UTC"}},
			Exercises: []pages.TeachExercise{{ID: "round-trip", Title: "The round trip", Chosen: true, Position: 1}, {ID: "ports", Title: "Ports <i>and</i> you", Position: 2}},
			Form:      pages.TeachForm{Title: "Networks 101", Peers: "all", MaxStudents: 30, LossPercent: 2.5, DelayMillis: 40}}),
		"lab-workshop": pages.LabPage(nil, &pages.WorkshopBadge{Code: "ABCD-EFGH", Title: "Networks 101", Name: "Ada <b>L</b>",
			Exercises: []pages.ExerciseLink{{ID: "round-trip", Title: "The round trip"}, {ID: "be-the-server", Title: "Be <b>the</b> server", Locked: true}}}),
		"exercise": pages.LabPage(&pages.Worksheet{
			ID: "round-trip", Title: "The round trip", Intro: "<p>Intro</p>",
			Steps: []pages.Step{
				{Title: "Make a socket", Text: "<p>Do it</p>", Hints: []string{"<p>A hint</p>"}, Explain: "<p>Why</p>"},
				{Title: "Connect", Text: `<pre tabindex="0" class="chroma"><code><span class="line"><span class="cl"><span class="n">s</span></span></span></code></pre>`,
					Ask: "Which port did <code>connect</code> use?"},
			},
			Checks: `[{"expect":[{"kind":"call","host":"you","count":1,"call":"socket"}]},{}]`,
			Wire:   `{"loss":0.3,"seed":1}`,
			Next:   &pages.ExerciseLink{ID: "be-the-server", Title: "Be the server"},
		}, nil),
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := page.Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".golden.html")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./server/pages -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s; if the change is deliberate, run go test ./server/pages -update\ngot:\n%s", name, path, b.String())
			}
		})
	}
}

// TestAssetsExist checks that every style sheet and script the golden
// pages load from /static/ is there (with a browser client built, for
// what they ask of it).
func TestAssetsExist(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden.html"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden pages: %v", err)
	}
	assets := static.Handler(fstest.MapFS{"lab.wasm": {Data: []byte("\x00asm")}, "wasm_exec.js": {Data: []byte("//")}})
	asset := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	for _, golden := range goldens {
		html, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range asset.FindAllSubmatch(html, -1) {
			w := httptest.NewRecorder()
			assets.ServeHTTP(w, httptest.NewRequest("GET", string(m[1]), nil))
			if w.Code != http.StatusOK {
				t.Errorf("%s loads %s: %d", golden, m[1], w.Code)
			}
		}
	}
}

// TestLabPageHooks checks the hooks the front end and the browser tests
// rely on are in the page.
func TestLabPageHooks(t *testing.T) {
	var b bytes.Buffer
	pages.LabPage(nil, nil).Render(context.Background(), &b)
	html := b.String()
	for _, id := range []string{"progress", "bridge-status", "console-input", "transcript", "suggestions", "cancel",
		"diagram-canvas", "diagram-text", "packet-list", "packet-details", "packet-hex", "socket-table", "download-pcap"} {
		if !strings.Contains(html, `data-testid="`+id+`"`) {
			t.Errorf("no data-testid=%q in the lab page", id)
		}
	}
	if !strings.Contains(html, `<script type="module" src="/static/lab/app.js">`) {
		t.Error("the lab page does not load app.js")
	}
}

// goldenServices are a few services, one of each protocol, for the home
// page's list.
var goldenServices = []pages.Service{
	{Name: "echo", Proto: "tcp", Port: 7, Description: "sends back every byte it receives, until you close (RFC 862)"},
	{Name: "dns", Proto: "udp", Port: 53, Description: "answers A queries for the lab's names <and> MX for lab (RFC 1035)"},
}
