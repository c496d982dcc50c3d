// Package runner runs an analyzer suite in-process over Go packages and
// returns plain findings: what the vet tool prints, the CLI's check reports
// and the grader scores. Packages that fail to parse or type-check are
// reported as load errors, and the analyzers still run on what type-checks.
package runner

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Config says what to load and run.
type Config struct {
	Dir       string   // the directory patterns are relative to ("" = current)
	Patterns  []string // package patterns, e.g. "./..."
	Analyzers []*analysis.Analyzer
	Tests     bool              // include test files and test packages
	Overlay   map[string][]byte // unsaved file contents by absolute path
	Env       []string          // environment for the go command (nil = inherit)
}

// Position is a place in a file.
type Position struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Offset int    `json:"offset"`
}

// String formats p as file:line:col.
func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// Related is a secondary place a finding points at.
type Related struct {
	Pos     Position `json:"pos"`
	End     Position `json:"end"`
	Message string   `json:"message"`
}

// Edit replaces the bytes [Start, End) of File with NewText.
type Edit struct {
	File    string `json:"file"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	NewText string `json:"new_text"`
}

// Fix is one suggested fix: a message and its edits.
type Fix struct {
	Message string `json:"message"`
	Edits   []Edit `json:"edits"`
}

// Finding is one diagnostic of one analyzer.
type Finding struct {
	Analyzer string    `json:"analyzer"`
	Category string    `json:"category,omitempty"`
	Package  string    `json:"package"`
	Pos      Position  `json:"pos"`
	End      Position  `json:"end"`
	Message  string    `json:"message"`
	URL      string    `json:"url,omitempty"`
	Related  []Related `json:"related,omitempty"`
	Fixes    []Fix     `json:"fixes,omitempty"`
}

// Result is what one run found.
type Result struct {
	Findings []Finding
	// LoadErrors are the packages' parse, type and list errors: the
	// analyzers ran on what type-checked.
	LoadErrors []packages.Error
	// AnalyzerErrors are analyzers that failed on a package.
	AnalyzerErrors []error
	// Packages is how many root packages were analysed.
	Packages int
}

// Run loads the packages and runs the analyzers over them.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if len(cfg.Analyzers) == 0 {
		return nil, errors.New("run analyzers: no analyzers enabled")
	}
	lcfg := &packages.Config{
		Context: ctx,
		Mode:    packages.LoadAllSyntax | packages.NeedModule,
		Dir:     cfg.Dir,
		Tests:   cfg.Tests,
		Overlay: cfg.Overlay,
		Env:     cfg.Env,
	}
	pkgs, err := packages.Load(lcfg, cfg.Patterns...)
	if err != nil {
		return nil, fmt.Errorf("load packages %v: %w", cfg.Patterns, err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("load packages %v: no packages matched", cfg.Patterns)
	}
	res := &Result{Packages: len(pkgs)}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		res.LoadErrors = append(res.LoadErrors, p.Errors...)
	})
	graph, err := checker.Analyze(cfg.Analyzers, pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("analyze %v: %w", cfg.Patterns, err)
	}
	seen := map[string]bool{}
	for _, act := range graph.Roots {
		if act.Err != nil {
			res.AnalyzerErrors = append(res.AnalyzerErrors, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err))
			continue
		}
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			f := convert(fset, act.Analyzer, act.Package.PkgPath, d)
			// A package and its test variant share files: report each once.
			key := fmt.Sprintf("%s|%s|%s", f.Analyzer, f.Pos, f.Message)
			if seen[key] {
				continue
			}
			seen[key] = true
			res.Findings = append(res.Findings, f)
		}
	}
	res.Findings = dropIgnored(res.Findings, cfg.Overlay)
	Sort(res.Findings)
	return res, nil
}

// Sort orders findings by file, line, column, then analyzer.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		return a.Analyzer < b.Analyzer
	})
}

func position(fset *token.FileSet, p token.Pos) Position {
	if !p.IsValid() {
		return Position{}
	}
	q := fset.Position(p)
	return Position{File: q.Filename, Line: q.Line, Column: q.Column, Offset: q.Offset}
}

func convert(fset *token.FileSet, a *analysis.Analyzer, pkg string, d analysis.Diagnostic) Finding {
	end := d.End
	if !end.IsValid() {
		end = d.Pos
	}
	f := Finding{
		Analyzer: a.Name,
		Category: d.Category,
		Package:  pkg,
		Pos:      position(fset, d.Pos),
		End:      position(fset, end),
		Message:  d.Message,
		URL:      diagnosticURL(a, d),
	}
	for _, r := range d.Related {
		rend := r.End
		if !rend.IsValid() {
			rend = r.Pos
		}
		f.Related = append(f.Related, Related{Pos: position(fset, r.Pos), End: position(fset, rend), Message: r.Message})
	}
	for _, sf := range d.SuggestedFixes {
		fix := Fix{Message: sf.Message}
		for _, e := range sf.TextEdits {
			end := e.End
			if !end.IsValid() {
				end = e.Pos
			}
			start, stop := position(fset, e.Pos), position(fset, end)
			fix.Edits = append(fix.Edits, Edit{File: start.File, Start: start.Offset, End: stop.Offset, NewText: string(e.NewText)})
		}
		f.Fixes = append(f.Fixes, fix)
	}
	return f
}

// diagnosticURL resolves a diagnostic's documentation link the way the
// analysis package documents: the diagnostic's own URL, else the analyzer's
// URL with "#category".
func diagnosticURL(a *analysis.Analyzer, d analysis.Diagnostic) string {
	switch {
	case d.URL != "":
		return d.URL
	case a.URL != "" && d.Category != "":
		return a.URL + "#" + d.Category
	default:
		return a.URL
	}
}
