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
	Rubric        string            // the "Evaluation criteria" section, its subsections included
	Discussion    string            // the "Discussion points" section
	AnalyzerNotes map[string]string // analyzer name → what it means in this exercise

	// The interviewer's kit. Each is the body of its section, empty when
	// the guide does not have it (Missing lists what a live interview needs).
	Timing      string      // "Timing": the 45- and 60-minute cuts, checkpoints, the hint for a missed one
	Clarifying  string      // "Clarifying questions": scripted answers
	RedFlags    string      // "### Red flags" of the evaluation criteria
	HintCost    string      // "### Cost of hints" of the evaluation criteria
	Decision    string      // "Decision rule": hire at senior / mid-level / no hire
	Calibration Calibration // "Calibration": a strong and a weak excerpt, scored
	Debugging   Variant     // "Debugging variant": buggy code for a 15-minute round
	Extensions  string      // "Extensions": follow-ups for strong candidates
	Python      string      // "Python equivalent"
	Monitoring  string      // "What to monitor"
	// Extra holds the sections this parser has no field for (a guide's
	// own, such as distributed-training's "The NCCL question"), by heading.
	Extra map[string]string
	// Sections lists every "## " heading in the order the guide has them.
	Sections []string
}

// Calibration is a guide's two annotated excerpts, each with its scored grid.
type Calibration struct {
	Strong string // "### Strong answer"
	Weak   string // "### Weak answer"
}

// Variant is the debugging variant: what the candidate is handed (the task
// and the buggy code), what asyncvet reports on it, and how to score it.
type Variant struct {
	Handout  string // "### Hand-out": shown to the candidate
	Findings string // "### What asyncvet says": the analyzers' real output on the hand-out
	Rubric   string // "### Rubric": interviewer only
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

	secTiming      = "Timing"
	secClarifying  = "Clarifying questions"
	secDecision    = "Decision rule"
	secCalibration = "Calibration"
	secDebugging   = "Debugging variant"
	secExtensions  = "Extensions"
	secPython      = "Python equivalent"
	secMonitoring  = "What to monitor"

	subRedFlags = "Red flags"
	subHintCost = "Cost of hints"
	subStrong   = "Strong answer"
	subWeak     = "Weak answer"
	subHandout  = "Hand-out"
	subFindings = "What asyncvet says"
	subRubric   = "Rubric"
)

// ParseGuide parses a guide.md: a "# Title" line, then the sections Context,
// Hints ("### Hint N: title" each), Evaluation criteria, Discussion points and
// Analyzer notes ("### analyzer" each). Context and at least one hint are
// required; the rest may be empty.
func ParseGuide(src string) (Guide, error) {
	g := Guide{AnalyzerNotes: map[string]string{}, Extra: map[string]string{}}
	title, sections := splitHeadings(src, "# ", "## ")
	g.Title = strings.TrimSuffix(strings.TrimSpace(title), ": interview guide")
	for _, s := range sections {
		g.Sections = append(g.Sections, s.heading)
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
			subs := subsections(s.body)
			g.RedFlags, g.HintCost = subs[subRedFlags], subs[subHintCost]
		case secTiming:
			g.Timing = s.body
		case secClarifying:
			g.Clarifying = s.body
		case secDecision:
			g.Decision = s.body
		case secCalibration:
			subs := subsections(s.body)
			g.Calibration = Calibration{Strong: subs[subStrong], Weak: subs[subWeak]}
		case secDebugging:
			subs := subsections(s.body)
			g.Debugging = Variant{Handout: subs[subHandout], Findings: subs[subFindings], Rubric: subs[subRubric]}
		case secExtensions:
			g.Extensions = s.body
		case secPython:
			g.Python = s.body
		case secMonitoring:
			g.Monitoring = s.body
		case secDiscussion:
			g.Discussion = s.body
		case secAnalyzers:
			_, subs := splitHeadings(s.body, "", "### ")
			for _, sub := range subs {
				g.AnalyzerNotes[strings.Trim(sub.heading, "` ")] = sub.body
			}
		default:
			g.Extra[s.heading] = s.body
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

// subsections returns the "### " subsections of a section's body by heading.
func subsections(body string) map[string]string {
	_, subs := splitHeadings(body, "", "### ")
	out := make(map[string]string, len(subs))
	for _, s := range subs {
		out[s.heading] = s.body
	}
	return out
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
