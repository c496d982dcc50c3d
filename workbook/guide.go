package workbook

import (
	"fmt"
	"strconv"
	"strings"
)

// Guide is an exercise's interview guide, parsed from its guide.md.
type Guide struct {
	Title         string
	Context       string
	Hints         []Hint
	Rubric        string            // the "Evaluation criteria" section
	Discussion    string            // the "Discussion points" section
	AnalyzerNotes map[string]string // analyzer name → what it means in this exercise
}

// Hint is one progressive hint; N counts from 1.
type Hint struct {
	N     int
	Title string
	Body  string
}

// section headings of guide.md, as the exercises write them.
const (
	secContext    = "Context"
	secHints      = "Hints"
	secRubric     = "Evaluation criteria"
	secDiscussion = "Discussion points"
	secAnalyzers  = "Analyzer notes"
)

// ParseGuide parses a guide.md: a "# Title" line, then the sections Context,
// Hints ("### Hint N: title" each), Evaluation criteria, Discussion points and
// Analyzer notes ("### analyzer" each). Context and at least one hint are
// required; the rest may be empty.
func ParseGuide(src string) (Guide, error) {
	g := Guide{AnalyzerNotes: map[string]string{}}
	title, sections := splitHeadings(src, "# ", "## ")
	g.Title = strings.TrimSuffix(strings.TrimSpace(title), ": interview guide")
	for _, s := range sections {
		switch s.heading {
		case secContext:
			g.Context = s.body
		case secHints:
			_, subs := splitHeadings(s.body, "", "### ")
			for _, sub := range subs {
				h, err := parseHint(sub.heading, sub.body)
				if err != nil {
					return Guide{}, err
				}
				if h.N != len(g.Hints)+1 {
					return Guide{}, fmt.Errorf("guide: hint %d follows hint %d: hints must be numbered 1, 2, 3...", h.N, len(g.Hints))
				}
				g.Hints = append(g.Hints, h)
			}
		case secRubric:
			g.Rubric = s.body
		case secDiscussion:
			g.Discussion = s.body
		case secAnalyzers:
			_, subs := splitHeadings(s.body, "", "### ")
			for _, sub := range subs {
				g.AnalyzerNotes[strings.Trim(sub.heading, "` ")] = sub.body
			}
		}
	}
	if g.Context == "" {
		return Guide{}, fmt.Errorf("guide: missing %q section", "## "+secContext)
	}
	if len(g.Hints) == 0 {
		return Guide{}, fmt.Errorf("guide: %q has no \"### Hint 1: ...\" subsection", "## "+secHints)
	}
	return g, nil
}

func parseHint(heading, body string) (Hint, error) {
	rest, ok := strings.CutPrefix(heading, "Hint ")
	if !ok {
		return Hint{}, fmt.Errorf("guide: hint heading %q does not start with \"Hint N\"", heading)
	}
	num, title, _ := strings.Cut(rest, ":")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil {
		return Hint{}, fmt.Errorf("guide: hint heading %q: %w", heading, err)
	}
	return Hint{N: n, Title: strings.TrimSpace(title), Body: body}, nil
}

type section struct{ heading, body string }

// splitHeadings splits markdown at lines starting with level (outside code
// fences). It returns the text of the first titlePrefix line (if any) and the
// sections, each body trimmed.
func splitHeadings(src, titlePrefix, level string) (string, []section) {
	var (
		title    string
		out      []section
		cur      *section
		body     strings.Builder
		inFence  bool
		flushCur = func() {
			if cur != nil {
				cur.body = strings.TrimSpace(body.String())
				out = append(out, *cur)
			}
			body.Reset()
		}
	)
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		switch {
		case !inFence && strings.HasPrefix(line, level):
			flushCur()
			cur = &section{heading: strings.TrimSpace(strings.TrimPrefix(line, level))}
		case !inFence && titlePrefix != "" && title == "" && cur == nil && strings.HasPrefix(line, titlePrefix):
			title = strings.TrimPrefix(line, titlePrefix)
		default:
			if cur != nil {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
	}
	flushCur()
	return title, out
}
