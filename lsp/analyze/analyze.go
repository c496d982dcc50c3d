// Package analyze runs an analyzer suite in-process over loaded packages
// (golang.org/x/tools/go/analysis/checker) and returns its findings with
// byte offsets into the files that were analysed, ready to map to an
// editor's positions.
package analyze

import (
	"fmt"
	"go/token"
	"runtime/debug"
	"sort"
	"unicode"
	"unicode/utf8"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Span is a byte range of a file.
type Span struct {
	File       string
	Start, End int
}

// Related is another place a finding refers to.
type Related struct {
	Span
	Message string
}

// Edit replaces a span with new text.
type Edit struct {
	Span
	NewText string
}

// Fix is a suggested fix.
type Fix struct {
	Message string
	Edits   []Edit
}

// Finding is one diagnostic of one analyzer.
type Finding struct {
	Analyzer string
	Category string
	Message  string
	URL      string
	Span
	Related []Related
	Fixes   []Fix
}

// Run runs analyzers over pkgs, whose files' text is sources (by path), and
// returns the findings in the files of sources, sorted by file and
// position. Analyzers are run one after the other in this goroutine, so
// that a panicking analyzer becomes an error instead of ending the process;
// errors of single analyzers are returned with the findings of the others.
func Run(analyzers []*analysis.Analyzer, pkgs []*packages.Package, sources map[string][]byte) (findings []Finding, errs []error) {
	if len(analyzers) == 0 || len(pkgs) == 0 {
		return nil, nil
	}
	var fset *token.FileSet
	for _, p := range pkgs {
		fset = p.Fset
	}
	graph, err := analyzeSafely(analyzers, pkgs)
	if err != nil {
		return nil, []error{err}
	}
	seen := map[string]bool{}
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		if act.Err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.ID, act.Err))
			continue
		}
		for _, d := range act.Diagnostics {
			f, ok := convert(fset, sources, act.Analyzer, d)
			if !ok {
				continue
			}
			key := fmt.Sprintf("%s|%s|%d|%d|%s", f.Analyzer, f.File, f.Start, f.End, f.Message)
			if seen[key] {
				continue
			}
			seen[key] = true
			findings = append(findings, f)
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.Analyzer < b.Analyzer
	})
	return findings, errs
}

func analyzeSafely(analyzers []*analysis.Analyzer, pkgs []*packages.Package) (g *checker.Graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("analysis panicked: %v\n%s", r, debug.Stack())
		}
	}()
	g, err = checker.Analyze(analyzers, pkgs, &checker.Options{Sequential: true})
	if err != nil {
		return nil, fmt.Errorf("run analyzers: %w", err)
	}
	return g, nil
}

// span converts a token range to a byte range of a file in sources.
func span(fset *token.FileSet, sources map[string][]byte, pos, end token.Pos) (Span, bool) {
	if !pos.IsValid() {
		return Span{}, false
	}
	tf := fset.File(pos)
	if tf == nil {
		return Span{}, false
	}
	src, ok := sources[tf.Name()]
	if !ok {
		return Span{}, false
	}
	s := Span{File: tf.Name(), Start: tf.Offset(pos)}
	if end.IsValid() && fset.File(end) == tf && end >= pos {
		s.End = tf.Offset(end)
	} else {
		s.End = wordEnd(src, s.Start)
	}
	s.Start = min(s.Start, len(src))
	s.End = min(max(s.End, s.Start), len(src))
	return s, true
}

// wordEnd returns the end of the identifier or token starting at off, so a
// diagnostic without an end still marks something.
func wordEnd(src []byte, off int) int {
	i := off
	for i < len(src) {
		r, size := utf8.DecodeRune(src[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			break
		}
		i += size
	}
	if i == off && i < len(src) && src[i] != '\n' {
		_, size := utf8.DecodeRune(src[i:])
		i += size
	}
	return i
}

func convert(fset *token.FileSet, sources map[string][]byte, a *analysis.Analyzer, d analysis.Diagnostic) (Finding, bool) {
	sp, ok := span(fset, sources, d.Pos, d.End)
	if !ok {
		return Finding{}, false
	}
	f := Finding{Analyzer: a.Name, Category: d.Category, Message: d.Message, URL: d.URL, Span: sp}
	if f.URL == "" {
		f.URL = a.URL
	}
	for _, r := range d.Related {
		if rs, ok := span(fset, sources, r.Pos, r.End); ok {
			f.Related = append(f.Related, Related{Span: rs, Message: r.Message})
		}
	}
	for _, sf := range d.SuggestedFixes {
		fix := Fix{Message: sf.Message}
		complete := true
		for _, e := range sf.TextEdits {
			es, ok := span(fset, sources, e.Pos, e.End)
			if !ok {
				complete = false
				break
			}
			if !e.End.IsValid() {
				es.End = es.Start // an insertion
			}
			fix.Edits = append(fix.Edits, Edit{Span: es, NewText: string(e.NewText)})
		}
		if complete && len(fix.Edits) > 0 {
			f.Fixes = append(f.Fixes, fix)
		}
	}
	return f, true
}
