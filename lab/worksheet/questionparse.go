package worksheet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/socketlab/socketlab/lab/check"
	"gopkg.in/yaml.v3"
)

// questionKeys are a question's own keys; the others are its event's
// pattern.
var questionKeys = []string{"ask", "field", "from", "to", "count", "first"}

// parseQuestion reads a question block; line is where its YAML begins in
// the file.
func parseQuestion(src string, line int) (*check.Question, []Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		return nil, []Problem{{Line: line, Msg: "question: " + yamlMessage(err)}}
	}
	var probs []Problem
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, Problem{Line: line + n.Line - 1, Msg: "question: " + fmt.Sprintf(format, args...)})
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, []Problem{{Line: line, Msg: "question: want a mapping with ask, and field with a pattern, or from and to, or count"}}
	}
	m := root.Content[0]
	q := &check.Question{Line: line}
	own := map[string]*yaml.Node{}
	event := &yaml.Node{Kind: yaml.MappingNode, Line: m.Line}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if slices.Contains(questionKeys, k.Value) {
			own[k.Value] = v
			continue
		}
		event.Content = append(event.Content, k, v)
	}
	scalar := func(key string) string {
		v := own[key]
		if v == nil {
			return ""
		}
		if v.Kind != yaml.ScalarNode {
			bad(v, "%s wants text", key)
			return ""
		}
		return strings.TrimSpace(v.Value)
	}
	q.Ask, q.Field, q.First = scalar("ask"), scalar("field"), scalar("first")
	switch {
	case q.Ask == "":
		bad(m, "no ask: the question the student reads")
	case strings.Contains(q.Ask, "\n"):
		bad(own["ask"], "ask is one line")
	}
	from, to, count := own["from"], own["to"], own["count"]
	if count != nil {
		if count.Kind != yaml.MappingNode {
			bad(count, "count wants the pattern of the events counted, such as {packet: TCP, analysis: retransmission}")
		} else if c := parsePattern(count, bad); c.Kind != "" {
			if c.Count != 1 {
				bad(count, "count: counts every event its pattern matches: a count in it is for to:")
			}
			q.Count = &c
		}
	}
	switch {
	case q.Field != "" && (from != nil || to != nil || count != nil):
		bad(m, "a question reads a field from one event, or counts events (from: to:, count:), not both")
	case q.Field != "":
		if len(event.Content) == 0 {
			bad(own["field"], "field %s of which event? Add its pattern, such as packet: SYN", q.Field)
			break
		}
		p := parsePattern(event, bad)
		if p.Kind == "" {
			break // said by parsePattern
		}
		if p.Count != 1 {
			bad(event, "count is for to: in a question that counts packets")
		}
		if err := p.CanRead(q.Field); err != nil {
			bad(own["field"], "%v", err)
		}
		q.Event = &p
	case from != nil || to != nil || count != nil:
		if len(event.Content) > 0 {
			bad(event.Content[0], "unknown key %q in a question that counts (known: %s)", event.Content[0].Value, strings.Join(questionKeys, ", "))
		}
		if from == nil && to == nil {
			break // count: alone, the whole trace's
		}
		if from == nil || to == nil {
			bad(m, "a question that counts packets wants both from: and to:")
			break
		}
		f, t := parsePattern(from, bad), parsePattern(to, bad)
		if f.Count != 1 {
			bad(from, "count is for to: the count-th such event after from")
		}
		q.From, q.To = &f, &t
	default:
		if len(event.Content) > 0 {
			parsePattern(event, bad) // its unknown keys may be misspellings
		}
		bad(m, "a question wants field: with an event's pattern, or from: and to: to count the packets between, or count: to count events")
	}
	return q, probs
}
