package emit

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/asyncbook/asyncbook/editors/ci/report"
)

// Markdown writes a summary of the report for a job page
// ($GITHUB_STEP_SUMMARY): for a grade, the verdict, score and properties;
// then the problems kept (those on changed lines when a filter applied) and
// how many were left out.
func Markdown(w io.Writer, rep *report.Report, kept []report.Problem) error {
	var b strings.Builder
	if g := rep.Grade; g != nil {
		verdict := "✅ passed"
		if !g.Passed {
			verdict = "❌ failed"
		}
		fmt.Fprintf(&b, "### asyncbook grade: %s, `%s`: %s, score %d/100\n\n", g.Exercise, g.Dir, verdict, g.Score)
		fmt.Fprintf(&b, "%s\n\n", cell(g.Reason))
		if len(g.Properties) > 0 {
			b.WriteString("| property | result | observed |\n|---|---|---|\n")
			for _, p := range g.Properties {
				mark := "✅"
				if !p.Pass {
					mark = "❌"
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(p.Property), mark, cell(p.Observed))
			}
			b.WriteString("\n")
		}
		if sp := g.Speedup; sp != nil {
			if sp.Error != "" {
				fmt.Fprintf(&b, "Speedup not measured: %s\n\n", cell(sp.Error))
			} else {
				fmt.Fprintf(&b, "Speedup: %.1f× over the sequential version (ideal %.1f×)\n\n", sp.Measured, sp.Ideal)
			}
		}
	} else {
		// The tools that found them, in order of appearance: asyncvet's
		// static findings and asyncbook leaks' proven ones may share a table.
		var tools []string
		for _, p := range rep.Problems {
			if !slices.Contains(tools, p.Tool) {
				tools = append(tools, p.Tool)
			}
		}
		if len(tools) == 0 {
			tools = []string{"asyncvet"}
		}
		fmt.Fprintf(&b, "### %s: %d finding(s)\n\n", strings.Join(tools, " and "), len(rep.Problems))
	}
	if len(kept) > 0 {
		b.WriteString("| where | check | problem |\n|---|---|---|\n")
		for _, p := range kept {
			where := p.File
			if p.Line > 0 {
				where = fmt.Sprintf("%s:%d", p.File, p.Line)
			}
			msg := cell(p.Message)
			if p.URL != "" {
				msg += fmt.Sprintf(" ([docs](%s))", p.URL)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", where, cell(p.Rule), msg)
		}
		b.WriteString("\n")
	}
	if left := len(rep.Problems) - len(kept); left > 0 {
		fmt.Fprintf(&b, "%d more outside the changed lines.\n", left)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r", "", "\n", "<br>").Replace(s)
}
