package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab/check"
	"github.com/socketlab/socketlab/lab/worksheet"
)

// TestWorksheetCodeHighlighted renders an exercise: code blocks are
// highlighted with classes, never inline styles (a block naming no
// language as Python, the console's language); the worksheet's own
// blocks (hint, check, explain, question, solution, wrong) never show as
// code; the question is a label.
func TestWorksheetCodeHighlighted(t *testing.T) {
	src := "---\nid: hl\ntitle: T\nsummary: S\nservices: [echo/tcp]\norder: 1\n---\nIntro\n\n" +
		"## Connect\n\n```\ns.connect((\"10.0.0.1\", 7))  # a tuple\n```\n\n" +
		"```text\nplain <b>words</b>\n```\n\n```nosuchlanguage\nx < y\n```\n\n" +
		"```hint\nA hint, with `code`.\n```\n\n" +
		"```check\nexpect:\n  - call: connect\n```\n\n" +
		"```question\nask: Which port did `connect` use?\npacket: SYN\ndir: out\nfield: sport\n```\n\n" +
		"```explain\nWhy.\n```\n\n" +
		"## Solution\n\n```wrong\nu = socket()\n```\n"
	ex, probs := worksheet.Parse("hl.md", []byte(src), exercises.ServiceNames())
	for _, p := range probs {
		t.Fatal(p)
	}
	ws, err := renderWorksheet(ex)
	if err != nil {
		t.Fatal(err)
	}
	st := ws.Steps[0]
	for _, want := range []string{
		`<pre class="chroma"><code>`,
		`<span class="n">s</span><span class="o">.</span><span class="n">connect</span>`,
		`<span class="s2">&#34;10.0.0.1&#34;</span>`,
		`<span class="mi">7</span>`,
		`<span class="c1"># a tuple</span>`,
		`plain &lt;b&gt;words&lt;/b&gt;`, // text: escaped, not highlighted
		`x &lt; y`,                       // an unknown language: escaped
	} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("step text lacks %s:\n%s", want, st.Text)
		}
	}
	all := ws.Intro + st.Text + st.Explain + strings.Join(st.Hints, "")
	for _, not := range []string{"style=", "```", "expect:", "ask:", "s = socket()", "u = socket()", "<b>"} {
		if strings.Contains(all, not) {
			t.Errorf("the rendered worksheet has %q:\n%s", not, all)
		}
	}
	if st.Ask != "Which port did <code>connect</code> use?" {
		t.Errorf("ask = %q", st.Ask)
	}
}

// TestQuestionsOutOfThePage: an exercise's page shows each question's
// label, never what it reads or counts; the tab fetches that from
// /lab/{exercise}/questions, one a step (null for a step without).
func TestQuestionsOutOfThePage(t *testing.T) {
	ls := workshopServer(t, Config{})
	c := browser(t)
	status, _, page := ls.get(t, c, "/lab/round-trip")
	if status != 200 || !strings.Contains(page, "Which port did your host send its SYN from?") {
		t.Fatalf("the round trip's page: %d, without its question's label", status)
	}
	for _, not := range []string{"data-question", `"field"`, "&#34;field&#34;", "sport"} {
		if strings.Contains(page, not) {
			t.Errorf("the page holds %q", not)
		}
	}
	status, _, body := ls.get(t, c, "/lab/round-trip/questions")
	var qs []*check.Question
	if err := json.Unmarshal([]byte(body), &qs); status != 200 || err != nil {
		t.Fatalf("questions: %d %v\n%s", status, err, body)
	}
	ex := ls.cfg.Exercises[0]
	if len(qs) != len(ex.Steps) || qs[0] != nil || qs[1] == nil || qs[1].Field != "sport" || qs[1].Event == nil || qs[1].Event.Dir != "out" {
		t.Errorf("questions: %s", body)
	}
	if status, _, _ := ls.get(t, c, "/lab/no-such/questions"); status != 404 {
		t.Errorf("an unknown exercise's questions: %d", status)
	}
}

// TestWorksheetWire: the exercise's wire reaches the page as JSON, the
// console's settings by name; a clear wire is none.
func TestWorksheetWire(t *testing.T) {
	for _, tc := range []struct{ wire, want string }{
		{"wire: {loss: 0.3, delay: 0.2, seed: 6}\n", `{"loss":0.3,"delay":0.2,"seed":6}`},
		{"wire: {hold: true}\n", `{"hold":true}`},
		{"", ""},
	} {
		src := "---\nid: w\ntitle: T\nsummary: S\nservices: [echo/tcp]\norder: 1\n" + tc.wire + "---\nIntro\n\n" +
			"## Connect\n\n```\ns = socket()\n```\n\n```check\nexpect:\n  - call: socket\n```\n\n## Solution\n\n```wrong\nu = 1\n```\n"
		ex, probs := worksheet.Parse("w.md", []byte(src), exercises.ServiceNames())
		for _, p := range probs {
			t.Fatal(p)
		}
		ws, err := renderWorksheet(ex)
		if err != nil {
			t.Fatal(err)
		}
		if ws.Wire != tc.want {
			t.Errorf("%q: page's wire %s, want %s", tc.wire, ws.Wire, tc.want)
		}
	}
}
