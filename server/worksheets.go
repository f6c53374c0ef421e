package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server/pages"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// markdown renders exercise text. Raw HTML in it is not passed through:
// exercises are text, and an exercise folder is not a way onto the page.
// Code blocks are highlighted (see codeRenderer).
var markdown = goldmark.New(goldmark.WithRendererOptions(
	renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100)), // before goldmark's own (1000)
))

// codeRenderer highlights code blocks with chroma, marking tokens with
// CSS classes (static/lab/worksheet.css gives them the theme's colours,
// light and dark) rather than inline styles. A block that names no language is console code: Python.
type codeRenderer struct{}

// defaultCodeLanguage is the language of a code block that names none:
// the console speaks Python's socket module.
const defaultCodeLanguage = "python"

var codeFormatter = chromahtml.New(chromahtml.WithClasses(true))

// RegisterFuncs renders both fenced and indented code blocks.
func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
	reg.Register(ast.KindCodeBlock, renderCode)
}

func renderCode(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	lang := defaultCodeLanguage
	if f, ok := n.(*ast.FencedCodeBlock); ok && f.Language(source) != nil {
		lang = string(f.Language(source))
	}
	lexer := lexers.Get(lang)
	if lexer == nil {
		lexer = lexers.Fallback // plain text, escaped
	}
	var code strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	tokens, err := chroma.Coalesce(lexer).Tokenise(nil, code.String())
	if err != nil {
		return ast.WalkStop, fmt.Errorf("highlight %s: %w", lang, err)
	}
	if err := codeFormatter.Format(w, styles.Fallback, tokens); err != nil {
		return ast.WalkStop, fmt.Errorf("highlight %s: %w", lang, err)
	}
	return ast.WalkContinue, nil
}

// renderWorksheet turns an exercise into what the lab page shows.
func renderWorksheet(ex *worksheet.Exercise) (*pages.Worksheet, error) {
	md := func(src string) (string, error) {
		var b bytes.Buffer
		if err := markdown.Convert([]byte(src), &b); err != nil {
			return "", fmt.Errorf("render %s: %w", ex.File, err)
		}
		return b.String(), nil
	}
	ws := &pages.Worksheet{ID: ex.ID, Title: ex.Title}
	var err error
	if ws.Intro, err = md(ex.Intro); err != nil {
		return nil, err
	}
	for _, s := range ex.Steps {
		st := pages.Step{Title: s.Title}
		if st.Text, err = md(s.Text); err != nil {
			return nil, err
		}
		if st.Explain, err = md(s.Explain); err != nil {
			return nil, err
		}
		for _, h := range s.Hints {
			html, err := md(h)
			if err != nil {
				return nil, err
			}
			st.Hints = append(st.Hints, html)
		}
		if q := s.Question; q != nil {
			// The question is one line: its paragraph's inside is the label.
			ask, err := md(q.Ask)
			if err != nil {
				return nil, err
			}
			st.Ask = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(ask), "<p>"), "</p>")
		}
		ws.Steps = append(ws.Steps, st)
	}
	checks, err := json.Marshal(ex.Checks())
	if err != nil {
		return nil, fmt.Errorf("encode checks of %s: %w", ex.File, err)
	}
	ws.Checks = string(checks) // an attribute's value: templ escapes it
	if ex.Wire != nil {
		b, err := json.Marshal(ex.Wire)
		if err != nil {
			return nil, fmt.Errorf("encode wire of %s: %w", ex.File, err)
		}
		ws.Wire = string(b) // the page applies it when its wire can be set
	}
	return ws, nil
}

// exercisePage serves /lab/{exercise}.
func (s *Server) exercisePage(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.worksheets[r.PathValue("exercise")]
	if !ok {
		http.Error(w, "no such exercise: see the worksheet on the home page", http.StatusNotFound)
		return
	}
	s.labPage(w, r, ws)
}

// exerciseQuestions serves /lab/{exercise}/questions: the exercise's
// questions as JSON, one a step (null for a step without), which the
// page's worksheet.js fetches to judge the student's answers in the tab,
// so that what a question reads or counts stays out of the page's HTML.
func (s *Server) exerciseQuestions(w http.ResponseWriter, r *http.Request) {
	ex, ok := s.exercises[r.PathValue("exercise")]
	if !ok {
		http.Error(w, "no such exercise", http.StatusNotFound)
		return
	}
	qs := make([]*check.Question, len(ex.Steps))
	for i, st := range ex.Steps {
		qs[i] = st.Question
	}
	b, err := json.Marshal(qs)
	if err != nil {
		http.Error(w, "the questions could not be encoded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

// labPage serves the lab page, with ws's worksheet if not nil; in a
// workshop (?workshop=CODE), for its student only: anyone else is sent to
// its join page; an exercise the workshop's pacing locks is refused (403,
// a page that says so).
func (s *Server) labPage(w http.ResponseWriter, r *http.Request, ws *pages.Worksheet) {
	code := r.URL.Query().Get("workshop")
	if code == "" {
		render(w, r, pages.LabPage(ws, s.outsideWorkshop(r, ws)))
		return
	}
	if s.workshops == nil {
		http.Error(w, "this server runs no workshops", http.StatusNotFound)
		return
	}
	wk, st, ok := s.workshopStudent(w, r, code)
	if !ok {
		return
	}
	if ws != nil && wk.Locked(ws.ID) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		render(w, r, pages.ExerciseLockedPage(pages.LockedView{Code: lab.FormatCode(wk.Code), Title: wk.Title, Exercise: ws.Title}))
		return
	}
	render(w, r, pages.LabPage(ws, &pages.WorkshopBadge{Code: lab.FormatCode(wk.Code), Title: wk.Title, Name: st.Name, Exercises: s.workshopExercises(wk)}))
}

// maxWorkshopCookies bounds the student cookies a request's lab page
// looks up in the store.
const maxWorkshopCookies = 4

// outsideWorkshop is, for an exercise's page opened without ?workshop=
// by a browser that is a student of a workshop with that exercise, the
// badge that tells them this page is not the workshop's (its steps are
// not sent to the instructor; the workshop may have locked it); nil
// otherwise.
func (s *Server) outsideWorkshop(r *http.Request, ws *pages.Worksheet) *pages.WorkshopBadge {
	if ws == nil || s.workshops == nil {
		return nil
	}
	n := 0
	for _, c := range r.Cookies() {
		code, ok := strings.CutPrefix(c.Name, studentCookie(""))
		if !ok || strings.HasPrefix(code, "instructor_") {
			continue
		}
		if n++; n > maxWorkshopCookies {
			return nil
		}
		code, err := lab.ParseCode(code)
		if err != nil {
			continue
		}
		wk, err := s.cfg.Store.Workshop(r.Context(), code)
		if err != nil || !wk.HasExercise(ws.ID) {
			continue
		}
		st, err := s.student(r, wk)
		if err != nil {
			continue
		}
		return &pages.WorkshopBadge{Code: lab.FormatCode(wk.Code), Title: wk.Title, Name: st.Name, Outside: true, Locked: wk.Locked(ws.ID)}
	}
	return nil
}

// exerciseLinks lists the exercises for the home page, in order.
func (s *Server) exerciseLinks() []pages.ExerciseLink {
	var links []pages.ExerciseLink
	for _, ex := range s.cfg.Exercises {
		links = append(links, pages.ExerciseLink{ID: ex.ID, Title: ex.Title, Summary: ex.Summary, Steps: len(ex.Steps)})
	}
	return links
}
