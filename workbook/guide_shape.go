package workbook

import (
	"fmt"
	"slices"
	"strings"
)

// Missing lists what the guide lacks to run a live interview: each
// required section, and the parts of its shape an interviewer relies on
// (the cuts of the timing box, the bars of the rubric, a cost for every
// hint, the three verdicts of the decision rule, a scored grid under each
// calibration excerpt, the buggy code of the debugging variant). It checks
// the shape, not the prose. An empty result means the guide is complete.
func (g Guide) Missing() []string {
	var out []string
	need := func(ok bool, format string, args ...any) {
		if !ok {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	for _, sec := range InterviewerSections {
		need(slices.Contains(g.Sections, sec), `missing "## %s"`, sec)
	}
	need(hasTable(g.Timing, "45-minute cut", "60-minute cut"), `"## %s" has no table with "45-minute cut" and "60-minute cut" columns`, secTiming)
	need(hasTable(g.Timing, "Checkpoint", "If missed"), `"## %s" has no checkpoint table with "Checkpoint" and "If missed" columns`, secTiming)
	need(listItems(g.Clarifying) >= 3, `"## %s" needs at least three scripted answers (list items)`, secClarifying)
	need(hasTable(g.Rubric, "Mid-level bar", "Senior bar"), `"## %s" has no table with "Mid-level bar" and "Senior bar" columns`, secRubric)
	need(listItems(g.RedFlags) >= 1, `"## %s" has no "### %s" list`, secRubric, subRedFlags)
	for _, h := range g.Hints {
		need(strings.Contains(g.HintCost, fmt.Sprintf("Hint %d", h.N)), `"### %s" does not price Hint %d`, subHintCost, h.N)
	}
	for _, verdict := range []string{"Hire at senior:", "Hire at mid-level:", "No hire:"} {
		need(strings.Contains(g.Decision, "**"+verdict+"**"), `"## %s" has no "**%s**" verdict`, secDecision, verdict)
	}
	for name, body := range map[string]string{subStrong: g.Calibration.Strong, subWeak: g.Calibration.Weak} {
		need(strings.Contains(body, "```go"), `"### %s" of "## %s" has no Go excerpt`, name, secCalibration)
		need(hasTable(body, "Row", "Score"), `"### %s" of "## %s" has no scored grid (a table with "Row" and "Score" columns)`, name, secCalibration)
	}
	need(strings.Contains(g.Debugging.Handout, "```go"), `"### %s" of "## %s" has no buggy code`, subHandout, secDebugging)
	need(strings.Contains(g.Debugging.Findings, "```"), `"### %s" of "## %s" does not quote the analyzers' output`, subFindings, secDebugging)
	need(g.Debugging.Rubric != "", `"## %s" has no "### %s"`, secDebugging, subRubric)
	need(listItems(g.Extensions) >= 2, `"## %s" needs at least two extensions (list items)`, secExtensions)
	need(g.Python != "", `missing "## %s"`, secPython)
	need(g.Monitoring != "", `missing "## %s"`, secMonitoring)
	need(g.Discussion != "", `missing "## %s"`, secDiscussion)
	return out
}

// InterviewerSections are the sections a live interview needs, in the
// order the guides have them after Context.
var InterviewerSections = []string{
	secTiming, secClarifying, secHints, secRubric, secDecision, secCalibration,
	secDebugging, secExtensions, secPython, secMonitoring, secDiscussion,
}

// hasTable reports whether body has a markdown table whose header row has
// a cell starting with each of cols.
func hasTable(body string, cols ...string) bool {
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		found := 0
		for _, c := range cols {
			for _, cell := range cells {
				if strings.HasPrefix(strings.TrimSpace(cell), c) {
					found++
					break
				}
			}
		}
		if found == len(cols) {
			return true
		}
	}
	return false
}

// listItems counts the top-level markdown list items of body.
func listItems(body string) int {
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") {
			n++
		}
	}
	return n
}
