package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server/pages"
	"github.com/yuin/goldmark"
)

// markdown renders exercise text. Raw HTML in it is not passed through:
// exercises are text, and an exercise folder is not a way onto the page.
var markdown = goldmark.New()

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
		ws.Steps = append(ws.Steps, st)
	}
	checks, err := json.Marshal(ex.Checks())
	if err != nil {
		return nil, fmt.Errorf("encode checks of %s: %w", ex.File, err)
	}
	ws.Checks = string(checks) // an attribute's value: templ escapes it
	return ws, nil
}

// exercisePage serves /lab/{exercise}.
func (s *Server) exercisePage(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.worksheets[r.PathValue("exercise")]
	if !ok {
		http.Error(w, "no such exercise: see the worksheet on the home page", http.StatusNotFound)
		return
	}
	render(w, r, pages.LabPage(ws))
}

// exerciseLinks lists the exercises for the home page, in order.
func (s *Server) exerciseLinks() []pages.ExerciseLink {
	var links []pages.ExerciseLink
	for _, ex := range s.cfg.Exercises {
		links = append(links, pages.ExerciseLink{ID: ex.ID, Title: ex.Title, Summary: ex.Summary, Steps: len(ex.Steps)})
	}
	return links
}
