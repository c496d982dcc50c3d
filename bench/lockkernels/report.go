package lockkernels

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/doublelock"
	"github.com/asyncbook/asyncbook/analyzers/lockblock"
	"github.com/asyncbook/asyncbook/analyzers/lockleak"
	"github.com/asyncbook/asyncbook/analyzers/lockorder"
)

// Analyzers returns the lock rules measured here.
func Analyzers() []*analysis.Analyzer {
	return []*analysis.Analyzer{lockleak.Analyzer, doublelock.Analyzer, lockorder.Analyzer, lockblock.Analyzer}
}

// Score is what the rules found on the kernels.
type Score struct {
	Resource      int            // resource-deadlock kernels
	ResourceAtBug int            // of them, with a finding at the bug
	OffBug        int            // findings judged off the bug (any kernel)
	Unjudged      int            // findings with no verdict
	ByRule        map[string]int // resource kernels found at the bug, by rule
	Found         map[string][]string
}

// Measure scores the findings with the verdicts.
func Measure(kernels []Kernel, findings []Finding, vs map[string]Verdict) Score {
	s := Score{ByRule: map[string]int{}, Found: map[string][]string{}}
	byFile := map[string][]Finding{}
	for _, f := range findings {
		byFile[f.File] = append(byFile[f.File], f)
		v, ok := Judge(vs, f)
		switch {
		case !ok:
			s.Unjudged++
		case !v.AtBug:
			s.OffBug++
		}
	}
	for _, k := range kernels {
		if !k.Resource() {
			continue
		}
		s.Resource++
		rules := map[string]bool{}
		for _, f := range byFile[k.File] {
			if v, ok := Judge(vs, f); ok && v.AtBug {
				rules[f.Analyzer] = true
			}
		}
		if len(rules) > 0 {
			s.ResourceAtBug++
		}
		for r := range rules {
			s.ByRule[r]++
			s.Found[k.File] = append(s.Found[k.File], r)
		}
		sort.Strings(s.Found[k.File])
	}
	return s
}

// Report renders the kernels' table.
func Report(kernels []Kernel, findings []Finding, vs map[string]Verdict) string {
	s := Measure(kernels, findings, vs)
	var b strings.Builder
	fmt.Fprintf(&b, "Resource-deadlock kernels with a finding at the bug: **%d of %d**", s.ResourceAtBug, s.Resource)
	var rules []string
	for r, n := range s.ByRule {
		rules = append(rules, fmt.Sprintf("%s %d", r, n))
	}
	sort.Strings(rules)
	fmt.Fprintf(&b, " (by rule: %s). Findings off the bug, every kernel: %d. Without a verdict: %d.\n\n", strings.Join(rules, ", "), s.OffBug, s.Unjudged)
	b.WriteString("| kernel | sub-type | found by |\n|---|---|---|\n")
	for _, k := range kernels {
		if !k.Resource() {
			continue
		}
		by := strings.Join(s.Found[k.File], ", ")
		if by == "" {
			by = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", k.Name, k.SubType, by)
	}
	b.WriteString("\nEvery finding, with its verdict:\n\n| kernel file | line | rule | verdict | why |\n|---|---|---|---|---|\n")
	for _, f := range findings {
		v, ok := Judge(vs, f)
		verdict, why := "TODO", ""
		if ok {
			verdict, why = "off the bug", v.Why
			if v.AtBug {
				verdict = "at the bug"
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", f.File, f.Line, f.Analyzer, verdict, strings.ReplaceAll(why, "|", `\|`))
	}
	return b.String()
}
