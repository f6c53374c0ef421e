// Package worksheet reads exercises written as Markdown and judges a
// student's work from their trace: the calls, packets and socket states of
// every host, never what was typed, so that any correct route passes.
//
// An exercise is one Markdown file: YAML front matter (id, title, summary,
// concepts, services, order, and wire, what the lab's wire starts with),
// an introduction, then one "## " heading per
// step. A step's text is what the student reads; fenced blocks with these
// info strings are taken out of it:
//
//	```hint      one hint, revealed on request; a step may have several
//	```check     the step's check (see lab/check, and the YAML below)
//	```explain   what just happened on the wire, shown when the step passes
//	```question  a question the student answers from their own trace (see
//	             check.Question); the step passes when its check passes and
//	             its question is answered right
//
//	```solution  the code a step expects but deliberately does not show
//	             (empty: the step has nothing to type)
//
// A step has a check, a question, or both. Other fenced blocks are the
// step's text: code, highlighted as Python when they name no language.
// The blocks that name no language are console code: run in order from
// the start of the exercise, a step's shown code (then its ```solution
// block, if it has one) must pass it, as the Go Tour runs every snippet
// it shows; the steps' code in order is the exercise's solution. A step
// that shows no console code must say so with a ```solution block.
//
// A last "## Solution" section is not a step: its ```wrong blocks are
// scripts that must not pass every step (a wrong route, such as UDP where
// TCP is asked for; "```wrong 3": one that must fail step 3). Tests run the steps' code and the wrong routes in a
// real lab.
package worksheet

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
	"gopkg.in/yaml.v3"
)

// Exercise is one worksheet exercise.
type Exercise struct {
	ID       string   `yaml:"id" json:"id"`
	Title    string   `yaml:"title" json:"title"`
	Summary  string   `yaml:"summary" json:"summary"`
	Concepts []string `yaml:"concepts" json:"concepts"`
	Services []string `yaml:"services" json:"services"` // "echo/tcp", "daytime/udp", …
	Order    int      `yaml:"order" json:"order"`
	Wire     *Wire    `yaml:"-" json:"wire,omitempty"` // what the lab's wire starts with; nil: clear (parseWire reads it)

	Intro    string  `yaml:"-" json:"intro"` // Markdown
	Steps    []Step  `yaml:"-" json:"steps"`
	Solution string  `yaml:"-" json:"-"` // every step's Code, in order
	Wrong    []Wrong `yaml:"-" json:"-"`
	File     string  `yaml:"-" json:"-"`
	// Quotes are the inline code spans of the text, the hints and the
	// explanations, each with its line: what the exercise quotes of the
	// console and the servers' replies, for Verify to compare.
	Quotes []Quote `yaml:"-" json:"-"`
}

// Quote is an inline code span of an exercise's text (`250 2.0.0 OK`),
// its line breaks made spaces, and the line it begins on.
type Quote struct {
	Text string
	Line int
}

// Step is one thing for the student to do, and its check, its question, or
// both.
type Step struct {
	Title    string          `json:"title"`
	Text     string          `json:"text"` // Markdown
	Hints    []string        `json:"hints"`
	Explain  string          `json:"explain"`
	Check    check.Check     `json:"check"`              // empty: the step is its question
	Question *check.Question `json:"question,omitempty"` // nil: the step is its check
	Line     int             `json:"line"`
	// Code is what passes the step, run after the steps before it: the
	// console code its text shows, then its ```solution block.
	Code string `json:"-"`
	// shown: the text shows console code; marked: the step has a
	// ```solution block.
	shown, marked bool
}

// Wrong is a wrong route: a script that must not pass every step. A
// ```wrong block may name the step it must fail, by number: ```wrong 3,
// for a route that once ticked that step for the wrong reason.
type Wrong struct {
	Script string
	Fails  int // the step it must fail, from 1; 0: any
	Line   int
}

// Problem is something wrong with an exercise file, at a line of it.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// MaxFile bounds an exercise file.
const MaxFile = 256 << 10

// Parse reads one exercise from src, the contents of file. services are
// the names a lab server can run ("echo/tcp", …). Every problem found is
// returned with its line; the exercise is usable only when there are none.
func Parse(file string, src []byte, services []string) (*Exercise, []Problem) {
	var probs []Problem
	bad := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if len(src) > MaxFile {
		bad(1, "file is %d bytes, over the %d-byte bound", len(src), MaxFile)
		return nil, probs
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		bad(1, "no front matter: the file must begin with a line of ---")
		return nil, probs
	}
	end := slices.IndexFunc(lines[1:], func(l string) bool { return strings.TrimSpace(l) == "---" })
	if end < 0 {
		bad(1, "front matter is not closed by a line of ---")
		return nil, probs
	}
	end++ // index of the closing ---
	ex := &Exercise{File: file}
	var fm yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end], "\n")), &fm); err != nil {
		bad(2, "front matter: %v", yamlMessage(err))
		return nil, probs
	}
	if len(fm.Content) == 0 || fm.Content[0].Kind != yaml.MappingNode {
		bad(2, "front matter: want keys id, title, summary, concepts, services, order")
		return nil, probs
	}
	known := []string{"id", "title", "summary", "concepts", "services", "order", "wire"}
	m := fm.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; !slices.Contains(known, k.Value) {
			bad(1+k.Line, "front matter: unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
		}
	}
	if err := m.Decode(ex); err != nil {
		bad(2, "front matter: %v", yamlMessage(err))
	}
	keyLine := func(key string) int {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return 1 + m.Content[i].Line
			}
		}
		return 2
	}
	switch {
	case !idPattern.MatchString(ex.ID):
		bad(keyLine("id"), "front matter: id %q: want lowercase letters, digits and dashes", ex.ID)
	case ex.Title == "":
		bad(keyLine("title"), "front matter: no title")
	case ex.Summary == "":
		bad(keyLine("summary"), "front matter: no summary")
	case ex.Order < 1:
		bad(keyLine("order"), "front matter: order wants a number from 1")
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "wire" {
			ex.Wire = parseWire(m.Content[i+1], func(n *yaml.Node, format string, args ...any) {
				bad(1+n.Line, "front matter: wire"+format, args...)
			})
		}
	}
	for _, s := range ex.Services {
		if !slices.Contains(services, s) {
			bad(keyLine("services"), "front matter: unknown service %q (known: %s)", s, strings.Join(services, ", "))
		}
	}

	parseBody(ex, lines, end+1, bad, &probs)
	ex.Quotes = quotes(lines, end+1)
	if len(ex.Steps) == 0 {
		bad(end+1, "no steps: each step is a \"## \" heading")
	}
	var code []string
	for _, st := range ex.Steps {
		code = append(code, st.Code)
	}
	ex.Solution = strings.Join(code, "")
	for _, w := range ex.Wrong {
		if w.Fails > len(ex.Steps) {
			bad(w.Line, "```wrong %d: there are %d steps", w.Fails, len(ex.Steps))
		}
	}
	return ex, probs
}

// blockKinds are the info strings of the fenced blocks the parser takes
// out of the text.
var blockKinds = []string{"hint", "check", "explain", "question", "solution", "wrong"}

// parseBody splits the Markdown after the front matter (from line index
// start) into the introduction, the steps and the solution.
func parseBody(ex *Exercise, lines []string, start int, bad func(int, string, ...any), probs *[]Problem) {
	var text []string
	var step *Step
	inSolution := false
	flush := func() {
		body := strings.TrimSpace(strings.Join(text, "\n"))
		text = nil
		switch {
		case step != nil:
			step.Text = body
			if len(step.Check.Expect)+len(step.Check.All) == 0 && step.Question == nil {
				bad(step.Line, "step %q has no ```check or ```question block", step.Title)
			}
			if !step.shown && !step.marked {
				bad(step.Line, "step %q shows no console code: show what to type in a fenced block that names no language, "+
					"or mark a step that deliberately shows none with a ```solution block (the code it expects; empty when there is nothing to type)", step.Title)
			}
			ex.Steps = append(ex.Steps, *step)
			step = nil
		case !inSolution:
			ex.Intro = body
		}
	}
	for i := start; i < len(lines); i++ {
		line := lines[i]
		if title, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			if strings.TrimSpace(title) == "Solution" {
				inSolution = true
				continue
			}
			if inSolution {
				bad(i+1, "a step after the ## Solution section")
			}
			step = &Step{Title: strings.TrimSpace(title), Line: i + 1}
			continue
		}
		info, fenced := strings.CutPrefix(strings.TrimSpace(line), "```")
		info = strings.TrimSpace(info)
		if fenced && info == "" && step != nil {
			// Console code: shown, and run.
			j := i + 1
			for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
				step.Code += lines[j] + "\n"
			}
			step.shown = true
			text = append(text, lines[i:min(j+1, len(lines))]...)
			i = j
			continue
		}
		kind, arg, _ := strings.Cut(info, " ")
		if !fenced || !slices.Contains(blockKinds, kind) || (arg != "" && kind != "wrong") {
			text = append(text, line)
			continue
		}
		info = kind
		// A special block: read to its closing fence.
		var block []string
		j := i + 1
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
			block = append(block, lines[j])
		}
		if j == len(lines) {
			bad(i+1, "```%s block is not closed", info)
		}
		body := strings.Join(block, "\n")
		switch {
		case info == "wrong":
			if !inSolution {
				bad(i+1, "```wrong belongs in the ## Solution section")
			}
			w := Wrong{Script: body, Line: i + 1}
			if arg != "" {
				n, err := strconv.Atoi(strings.TrimSpace(arg))
				if err != nil || n < 1 {
					bad(i+1, "```wrong %s: name the step it must fail by its number, as ```wrong 3", arg)
				}
				w.Fails = n
			}
			ex.Wrong = append(ex.Wrong, w)
		case info == "solution" && step == nil:
			bad(i+1, "```solution belongs to the step it solves: the steps' code is the solution")
		case step == nil:
			bad(i+1, "```%s outside a step", info)
		case info == "hint":
			step.Hints = append(step.Hints, strings.TrimSpace(body))
		case info == "explain":
			step.Explain = strings.TrimSpace(body)
		case info == "solution":
			if step.marked {
				bad(i+1, "step %q has a second ```solution block", step.Title)
			}
			step.marked = true
			if body != "" {
				step.Code += body + "\n"
			}
		case info == "check":
			if len(step.Check.Expect)+len(step.Check.All) > 0 {
				bad(i+1, "step %q has a second ```check block", step.Title)
			}
			c, ps := parseCheck(body, i+2)
			for _, p := range ps {
				p.File = ex.File
				*probs = append(*probs, p)
			}
			step.Check = c
		case info == "question":
			if step.Question != nil {
				bad(i+1, "step %q has a second ```question block: one question a step", step.Title)
			}
			q, ps := parseQuestion(body, i+2)
			for _, p := range ps {
				p.File = ex.File
				*probs = append(*probs, p)
			}
			step.Question = q
		}
		i = j
	}
	flush()
}

// quotes finds the inline code spans in the Markdown from line index
// start on: in the text and in the hint and explain blocks, not in code
// blocks or the other special blocks. A span may go on over a line break
// within its paragraph.
func quotes(lines []string, start int) []Quote {
	var out []Quote
	var open *Quote // a span begun on an earlier line
	inBlock, prose := false, false
	for i := start; i < len(lines); i++ {
		line := lines[i]
		if info, fenced := strings.CutPrefix(strings.TrimSpace(line), "```"); fenced {
			if inBlock {
				inBlock = false
			} else {
				inBlock, prose = true, info == "hint" || info == "explain"
			}
			open = nil
			continue
		}
		if inBlock && !prose || strings.TrimSpace(line) == "" {
			open = nil
			continue
		}
		for len(line) > 0 {
			j := strings.IndexByte(line, '`')
			if open != nil {
				if j < 0 {
					open.Text += line + " "
					break
				}
				open.Text += line[:j]
				out = append(out, *open)
				open, line = nil, line[j+1:]
				continue
			}
			if j < 0 {
				break
			}
			open, line = &Quote{Line: i + 1}, line[j+1:]
		}
	}
	return out
}

// yamlMessage trims yaml.v3's prefix from a decoding error.
func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Checks are the exercise's checks, a step each.
func (ex *Exercise) Checks() []check.Check {
	cs := make([]check.Check, len(ex.Steps))
	for i, s := range ex.Steps {
		cs[i] = s.Check
	}
	return cs
}

// Judge says, for each step, whether the student's trace passes its check.
// you is the student's host. Steps are judged independently, so a student
// may do them in any order, and again.
func (ex *Exercise) Judge(events []lab.Event, you netip.Addr) []bool {
	return check.Judge(ex.Checks(), events, you)
}

// Answerable says, for each step, whether the trace holds an answer to its
// question: a student could answer it right. A step without a question is
// answerable.
func (ex *Exercise) Answerable(events []lab.Event, you netip.Addr) []bool {
	ok := make([]bool, len(ex.Steps))
	for i, s := range ex.Steps {
		ok[i] = s.Question == nil || len(s.Question.Answers(events, you)) > 0
	}
	return ok
}
