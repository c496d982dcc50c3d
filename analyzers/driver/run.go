// Package driver is the one way asyncbook's findings are produced. Every
// entry point uses it: the standalone asyncvet, go vet -vettool=asyncvet
// (unitchecker), the language server, asyncbook check and grade, and the
// golangci-lint plugin. It holds loading (with the editor's unsaved text as
// an overlay), making ill-typed packages analysable, choosing analyzers and
// severities from the settings (the registry's profiles, the workspace's
// .asyncbook.json, the caller's choices), running them with the
// //asyncvet:ignore directives honoured and checked, and the one Finding
// type that text, JSON, SARIF and the editor's diagnostics convert from.
//
// In-process entry points call Run (or Load and Analyze). Those that run
// analyzers in someone else's framework (unitchecker, golangci-lint) take
// NewSuite's analyzers: the directives are applied by wrapping each
// analyzer's report, so that every entry point silences, anchors and
// checks the same way.
package driver

import (
	"context"
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// Options choose what a run analyses with.
type Options struct {
	// Entries is the suite (nil: registry.Entries()).
	Entries []registry.Entry
	// Settings go on top of the settings files: the command line's flags,
	// the editor's settings.
	Settings Settings
	// NoSettingsFiles ignores the .asyncbook.json files: Settings is all.
	NoSettingsFiles bool
	// Sequential runs one analyzer at a time in the calling goroutine and
	// turns any panic into an error (the editor's long-lived process).
	Sequential bool
}

// Config is a run over packages that Run loads.
type Config struct {
	LoadConfig
	Options
}

// Span is a byte range of a file.
type Span struct {
	File       string
	Start, End int
}

// Result is what one run found.
type Result struct {
	Findings []Finding
	// Suppressed are the findings a directive silenced, with the directive.
	Suppressed []Finding
	// LoadErrors are the packages' list, parse and type errors, each once.
	// The analyzers ran on what type-checks.
	LoadErrors []packages.Error
	// AnalyzerErrors are analyzers that failed on a package.
	AnalyzerErrors []error
	// SettingsErrors are settings files that did not parse or named
	// unknown analyzers; their packages ran with the caller's settings.
	SettingsErrors []error
	// Unanalysed are the parts of files left out because they did not
	// type-check (or call what did not): nothing is reported in them.
	Unanalysed []Span
	// Packages is how many packages were analysed.
	Packages int
	// Files are the files of the packages analysed (parts of them may be
	// in Unanalysed).
	Files []string
	// Analyzers are the analyzers that ran (for SARIF's rules).
	Analyzers []*analysis.Analyzer
}

// Run loads the packages and analyses them.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	pkgs, err := Load(ctx, cfg.LoadConfig)
	if err != nil {
		return nil, err
	}
	return Analyze(ctx, pkgs, cfg.Options)
}

// Analyze runs the suite over pkgs (loaded with syntax and types, their
// dependencies with types at least).
func Analyze(ctx context.Context, pkgs []*packages.Package, opts Options) (*Result, error) {
	entries := opts.Entries
	if entries == nil {
		entries = registry.Entries()
	}
	res := &Result{LoadErrors: loadErrors(pkgs)}
	if len(pkgs) == 0 {
		return res, nil
	}
	sv := salvage(pkgs)
	resolver := NewResolver(entries, opts.Settings, !opts.NoSettingsFiles)

	var roots []*packages.Package
	for i, p := range sv.roots {
		if sv.failed[pkgs[i]] || p.IllTyped || len(p.Syntax) == 0 {
			res.Unanalysed = append(res.Unanalysed, wholeFiles(p)...)
			continue
		}
		roots = append(roots, p)
	}
	// The suite is the analyzers some package's selection runs.
	seenErr := map[string]bool{}
	used := map[string]bool{}
	for _, p := range roots {
		sel, err := resolver.For(dirOf(p))
		if err != nil && !seenErr[err.Error()] {
			seenErr[err.Error()] = true
			res.SettingsErrors = append(res.SettingsErrors, err)
		}
		for _, e := range entries {
			if sel.Runs(e.Analyzer.Name) {
				used[e.Analyzer.Name] = true
			}
		}
	}
	var chosen []registry.Entry
	for _, e := range entries {
		if used[e.Analyzer.Name] {
			chosen = append(chosen, e)
		}
	}
	suite := NewSuite(chosen, resolver.For)
	suite.left = func(p *types.Package) []posRange { return sv.left[p] }
	res.Analyzers = suite.Analyzers()
	for _, p := range roots {
		for _, r := range sv.left[p.Types] {
			res.Unanalysed = append(res.Unanalysed, span(p.Fset, r.Start, r.End))
		}
	}
	if len(roots) == 0 {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	graph, err := analyze(res.Analyzers, roots, opts.Sequential)
	if err != nil {
		return nil, err
	}
	res.Packages = len(roots)
	for _, p := range roots {
		res.Files = append(res.Files, p.CompiledGoFiles...)
	}

	seen := map[string]bool{}
	add := func(list *[]Finding, f Finding) {
		if k := f.key(); !seen[k] {
			seen[k] = true
			*list = append(*list, f)
		}
	}
	skipped := map[*packages.Package]bool{}
	for _, act := range graph.Roots {
		p := act.Package
		if act.Err != nil {
			if importsIllTyped(p) {
				skipped[p] = true // the load errors say why
				continue
			}
			if !strings.HasPrefix(act.Err.Error(), "failed prerequisites") || act.Analyzer.Name != IgnoreName {
				res.AnalyzerErrors = append(res.AnalyzerErrors, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, p.PkgPath, act.Err))
			}
			continue
		}
		sel, _ := resolver.For(dirOf(p))
		left := sv.left[p.Types]
		conv := converter{fset: p.Fset, pkg: p.PkgPath, analyzer: act.Analyzer.Name, severity: sel.Severity(act.Analyzer.Name)}
		for _, d := range act.Diagnostics {
			if !inLeft(left, d.Pos) {
				add(&res.Findings, conv.finding(d))
			}
		}
		if rec, ok := act.Result.(*record); ok {
			for _, sp := range rec.suppressed {
				if inLeft(left, sp.diag.Pos) {
					continue
				}
				f := conv.finding(sp.diag)
				f.Suppressed = &Suppression{Directive: position(p.Fset, sp.by.pos), Reason: sp.by.reason}
				add(&res.Suppressed, f)
			}
		}
	}
	for p := range skipped {
		res.Unanalysed = append(res.Unanalysed, wholeFiles(p)...)
	}
	Sort(res.Findings)
	Sort(res.Suppressed)
	return res, nil
}

// analyze runs the checker, turning a panic into an error when sequential.
func analyze(analyzers []*analysis.Analyzer, roots []*packages.Package, sequential bool) (g *checker.Graph, err error) {
	if sequential {
		defer func() {
			if r := recover(); r != nil {
				g, err = nil, fmt.Errorf("analysis panicked: %v\n%s", r, debug.Stack())
			}
		}()
	}
	g, err = checker.Analyze(analyzers, roots, &checker.Options{Sequential: sequential})
	if err != nil {
		return nil, fmt.Errorf("run analyzers: %w", err)
	}
	return g, nil
}

// importsIllTyped reports whether a package imports, directly or not, one
// that does not type-check.
func importsIllTyped(p *packages.Package) bool {
	found := false
	packages.Visit([]*packages.Package{p}, func(q *packages.Package) bool {
		if q != p && q.IllTyped {
			found = true
		}
		return !found
	}, nil)
	return found
}

func inLeft(left []posRange, pos token.Pos) bool {
	for _, r := range left {
		if r.Start <= pos && pos < r.End {
			return true
		}
	}
	return false
}

// dirOf returns a package's folder.
func dirOf(p *packages.Package) string {
	if p.Dir != "" {
		return p.Dir
	}
	for _, f := range p.GoFiles {
		return filepath.Dir(f)
	}
	return ""
}

// wholeFiles returns spans covering each of p's files.
func wholeFiles(p *packages.Package) []Span {
	var out []Span
	for _, f := range p.CompiledGoFiles {
		size := 1 << 30
		if p.Fset != nil {
			p.Fset.Iterate(func(tf *token.File) bool {
				if tf.Name() == f {
					size = tf.Size()
					return false
				}
				return true
			})
		}
		out = append(out, Span{File: f, Start: 0, End: size})
	}
	return out
}

// loadErrors returns the errors of the packages and their dependencies,
// each once (a package and its test variant share them).
func loadErrors(pkgs []*packages.Package) []packages.Error {
	var out []packages.Error
	seen := map[string]bool{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			k := e.Pos + "\x00" + e.Msg
			if !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

func position(fset *token.FileSet, p token.Pos) Position {
	if !p.IsValid() {
		return Position{}
	}
	q := fset.Position(p)
	return Position{File: q.Filename, Line: q.Line, Col: q.Column, Offset: q.Offset}
}

func span(fset *token.FileSet, start, end token.Pos) Span {
	s, e := position(fset, start), position(fset, end)
	return Span{File: s.File, Start: s.Offset, End: e.Offset}
}

// converter makes findings of one analyzer's diagnostics on one package.
type converter struct {
	fset     *token.FileSet
	pkg      string
	analyzer string
	severity registry.Severity
}

func (c converter) finding(d analysis.Diagnostic) Finding {
	end := d.End
	if !end.IsValid() {
		end = d.Pos
	}
	f := Finding{
		Analyzer: c.analyzer,
		Category: d.Category,
		Severity: c.severity,
		Package:  c.pkg,
		Position: position(c.fset, d.Pos),
		End:      position(c.fset, end),
		Message:  d.Message,
		URL:      d.URL,
	}
	for _, r := range d.Related {
		rend := r.End
		if !rend.IsValid() {
			rend = r.Pos
		}
		f.Related = append(f.Related, Related{Pos: position(c.fset, r.Pos), End: position(c.fset, rend), Message: r.Message})
	}
	for _, sf := range d.SuggestedFixes {
		fix := Fix{Message: sf.Message}
		for _, e := range sf.TextEdits {
			end := e.End
			if !end.IsValid() {
				end = e.Pos
			}
			start, stop := position(c.fset, e.Pos), position(c.fset, end)
			fix.Edits = append(fix.Edits, Edit{File: start.File, Start: start.Offset, End: stop.Offset, NewText: string(e.NewText)})
		}
		f.Fixes = append(f.Fixes, fix)
	}
	return f
}

// Ours returns the entries of asyncbook's own analyzers, in order.
func Ours(entries []registry.Entry) []registry.Entry {
	var out []registry.Entry
	for _, e := range entries {
		if e.Ours {
			out = append(out, e)
		}
	}
	return out
}

// Everything is the options of a run of every analyzer of entries (every
// profile), settings files ignored: for measuring the suite itself.
func Everything(entries []registry.Entry) Options {
	return Options{Entries: entries, Settings: Settings{Profile: registry.Strict}, NoSettingsFiles: true}
}
