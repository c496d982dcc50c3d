package driver

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// IgnoreName is the name of the analyzer that reports what is wrong with
// //asyncvet:ignore directives (and with the settings file).
const IgnoreName = "ignore"

const ignoreDoc = `ignore: //asyncvet:ignore directives that silence nothing

A directive silences the findings of the analyzers it names on its line (at
the end of the line) or on the next line (alone on its line), and needs a
reason: //asyncvet:ignore NAME[,NAME] reason. This analyzer reports what
would otherwise hide a finding, or hide that it hides nothing: a directive
without a name (malformed), a name that is no analyzer's (unknown), a
directive without a reason (reason: it silences nothing), a directive that
silenced nothing in a run of the analyzer it names (unused), and a
settings file (.asyncbook.json) that does not parse or names unknown
analyzers (settings).

WRONG:

	go process(j) //asyncvet:ignore unbounded false positive

RIGHT:

	go process(j) //asyncvet:ignore unboundedgo the queue upstream holds at most 8 jobs`

// record is what a wrapped analyzer tells the Ignore analyzer about one
// package: whether it ran there, and what directives silenced.
type record struct {
	ran        bool
	suppressed []suppressed
}

// suppressed is a diagnostic a directive silenced.
type suppressed struct {
	diag analysis.Diagnostic
	by   *directive
}

var recordType = reflect.TypeOf((*record)(nil))

// Suite is a run's analyzers as the analysis framework runs them: each of
// the suite's analyzers wrapped so that its reports carry their
// documentation anchor, honour //asyncvet:ignore, and are dropped in
// packages whose settings turn it off; then the Ignore analyzer. Every
// entry point runs a Suite: in-process (asyncvet, the editor, check and
// grade), as go vet's tool (unitchecker) and in golangci-lint.
type Suite struct {
	entries   []registry.Entry
	wrapped   []*analysis.Analyzer
	ignore    *analysis.Analyzer
	selectFor func(dir string) (*Selection, error)
	left      func(*types.Package) []posRange
}

// NewSuite wraps entries' analyzers. selectFor gives the selection of a
// package's folder; an error (a broken settings file) is reported by the
// Ignore analyzer, and the selection returned with it is used.
func NewSuite(entries []registry.Entry, selectFor func(dir string) (*Selection, error)) *Suite {
	s := &Suite{entries: entries, selectFor: selectFor, left: func(*types.Package) []posRange { return nil }}
	for _, e := range entries {
		s.wrapped = append(s.wrapped, s.wrap(e.Analyzer))
	}
	s.ignore = s.newIgnore()
	return s
}

// Analyzers returns the wrapped analyzers, then Ignore.
func (s *Suite) Analyzers() []*analysis.Analyzer {
	return append(append([]*analysis.Analyzer(nil), s.wrapped...), s.ignore)
}

// Entries returns the suite's entries.
func (s *Suite) Entries() []registry.Entry { return s.entries }

// packageDir returns the folder of a pass's package: that of its first
// file outside the build cache (cgo's generated files are there).
func packageDir(pass *analysis.Pass) string {
	first := ""
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.FileStart)
		if tf == nil {
			continue
		}
		dir := filepath.Dir(tf.Name())
		if first == "" {
			first = dir
		}
		if !strings.Contains(dir, "go-build") {
			return dir
		}
	}
	return first
}

func (s *Suite) selection(pass *analysis.Pass) (*Selection, error) {
	return s.selectFor(packageDir(pass))
}

// docURL resolves a diagnostic's documentation link as the analysis
// package documents it: the analyzer's URL with "#category".
func docURL(base, category string) string {
	if base == "" || category == "" {
		return base
	}
	return base + "#" + category
}

func (s *Suite) wrap(a *analysis.Analyzer) *analysis.Analyzer {
	w := &analysis.Analyzer{
		Name:             a.Name,
		Doc:              a.Doc,
		URL:              a.URL,
		Flags:            a.Flags,
		RunDespiteErrors: a.RunDespiteErrors,
		Requires:         append(append([]*analysis.Analyzer(nil), a.Requires...), directivesAnalyzer),
		FactTypes:        a.FactTypes,
		ResultType:       recordType,
	}
	w.Run = func(pass *analysis.Pass) (_ any, err error) {
		sel, _ := s.selection(pass) // Ignore reports a broken settings file
		rec := &record{ran: sel.Runs(a.Name)}
		if !rec.ran && len(a.FactTypes) == 0 {
			return rec, nil // nothing to report and no facts for others
		}
		ds := pass.ResultOf[directivesAnalyzer].(*directives)
		report := pass.Report
		pass.Report = func(d analysis.Diagnostic) {
			if !rec.ran {
				return // run only for the facts other packages need
			}
			if d.URL == "" {
				d.URL = docURL(a.URL, d.Category)
			}
			if by := ds.silencer(pass.Fset, d.Pos, a.Name); by != nil {
				rec.suppressed = append(rec.suppressed, suppressed{d, by})
				return
			}
			report(d)
		}
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%s panicked on %s: %v\n%s", a.Name, pass.Pkg.Path(), r, debug.Stack())
			}
		}()
		if _, err := a.Run(pass); err != nil {
			return nil, err
		}
		return rec, nil
	}
	return w
}

func (s *Suite) newIgnore() *analysis.Analyzer {
	ig := &analysis.Analyzer{
		Name:             IgnoreName,
		Doc:              ignoreDoc,
		URL:              analysisutil.URL(IgnoreName),
		Requires:         append([]*analysis.Analyzer{directivesAnalyzer}, s.wrapped...),
		RunDespiteErrors: true,
	}
	ig.Run = func(pass *analysis.Pass) (any, error) {
		report := func(pos, end token.Pos, category, msg string) {
			pass.Report(analysis.Diagnostic{Pos: pos, End: end, Category: category, Message: msg, URL: docURL(ig.URL, category)})
		}
		sel, err := s.selection(pass)
		if err != nil && len(pass.Files) > 0 {
			f := pass.Files[0]
			report(f.Package, f.Name.End(), "settings", err.Error())
		}
		if !sel.Runs(IgnoreName) {
			return nil, nil
		}
		ds := pass.ResultOf[directivesAnalyzer].(*directives)
		if len(ds.list) == 0 {
			return nil, nil
		}
		ran := map[string]bool{}
		used := map[*directive]map[string]bool{}
		for _, w := range s.wrapped {
			rec, _ := pass.ResultOf[w].(*record)
			if rec == nil {
				continue
			}
			ran[w.Name] = rec.ran
			for _, sp := range rec.suppressed {
				if used[sp.by] == nil {
					used[sp.by] = map[string]bool{}
				}
				used[sp.by][w.Name] = true
			}
		}
		names := knownNames()
		left := s.left(pass.Pkg)
		for _, d := range ds.list {
			if probs := d.problems(isKnown, names); len(probs) > 0 {
				for _, p := range probs {
					report(d.pos, d.end, p.category, p.message)
				}
				continue
			}
			if inRanges(pass.Fset, left, d.file, d.target()) {
				continue // the code it applies to was not analysed
			}
			where := "on this line"
			if d.alone {
				where = "on the next line"
			}
			for _, n := range d.names {
				if ran[n] && !used[d][n] {
					report(d.pos, d.end, "unused", fmt.Sprintf("%s %s silences nothing: %s reports nothing %s", IgnoreDirective, n, n, where))
				}
			}
		}
		return nil, nil
	}
	return ig
}

// inRanges reports whether line of file lies in one of ranges.
func inRanges(fset *token.FileSet, ranges []posRange, file string, line int) bool {
	for _, r := range ranges {
		start, end := fset.Position(r.Start), fset.Position(r.End)
		if start.Filename == file && start.Line <= line && line <= end.Line {
			return true
		}
	}
	return false
}

// IgnoreAnalyzer describes the Ignore analyzer (its name, documentation and
// URL), for hovers and hints; NewSuite makes the one that runs.
func IgnoreAnalyzer() *analysis.Analyzer {
	return &analysis.Analyzer{Name: IgnoreName, Doc: ignoreDoc, URL: analysisutil.URL(IgnoreName)}
}
