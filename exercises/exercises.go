// Package exercises holds the worksheet: one exercise per Markdown file,
// embedded in the binary. See README.md in this folder for the format, and
// lab/worksheet for the checks.
package exercises

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/worksheet"
)

//go:embed *.md
var files embed.FS

// Embedded is the worksheet built into socketlab.
func Embedded() fs.FS { return files }

// ServiceNames are the services an exercise may ask for: "echo/tcp", ….
func ServiceNames() []string {
	var names []string
	for _, s := range services.Standard {
		names = append(names, s.Name+"/"+s.Proto)
	}
	return names
}

// MaxExercises bounds a worksheet.
const MaxExercises = 200

// Load reads every exercise (*.md but README.md) in fsys, in worksheet
// order. An exercise with problems is left out and its problems returned.
func Load(fsys fs.FS) ([]*worksheet.Exercise, []worksheet.Problem) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, []worksheet.Problem{{File: ".", Line: 1, Msg: err.Error()}}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return strings.EqualFold(n, "README.md") })
	if len(names) > MaxExercises {
		return nil, []worksheet.Problem{{File: ".", Line: 1, Msg: fmt.Sprintf("%d exercises, over the bound of %d", len(names), MaxExercises)}}
	}
	var out []*worksheet.Exercise
	var probs []worksheet.Problem
	ids := map[string]string{}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, worksheet.Problem{File: name, Line: 1, Msg: err.Error()})
			continue
		}
		ex, ps := worksheet.Parse(path.Base(name), src, ServiceNames())
		if ex != nil {
			if other, dup := ids[ex.ID]; dup {
				ps = append(ps, worksheet.Problem{File: name, Line: 2, Msg: fmt.Sprintf("id %q is also %s's", ex.ID, other)})
			}
			ids[ex.ID] = name
		}
		if len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		out = append(out, ex)
	}
	slices.SortStableFunc(out, func(a, b *worksheet.Exercise) int { return a.Order - b.Order })
	return out, probs
}
