package driver

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// IgnoreDirective silences the findings of the analyzers it names when it
// stands at the end of the finding's line or alone on the line above it,
// and it needs a reason:
//
//	go process(j) //asyncvet:ignore unboundedgo the queue is bounded upstream
//
//	//asyncvet:ignore chanleak,ctxcancel the caller drains the channel
//	go produce(ctx, ch)
//
// A directive without a reason, or with no analyzer's name, silences
// nothing; each such directive, each unknown name and each directive that
// silences nothing is itself reported (by the analyzer named Ignore).
const IgnoreDirective = "//asyncvet:ignore"

// directive is one //asyncvet:ignore comment.
type directive struct {
	pos, end token.Pos
	file     string
	line     int  // the comment's line
	alone    bool // alone on its line: it applies to the next line
	names    []string
	reason   string
}

// target is the line whose findings the directive silences.
func (d *directive) target() int {
	if d.alone {
		return d.line + 1
	}
	return d.line
}

func (d *directive) has(name string) bool {
	for _, n := range d.names {
		if n == name {
			return true
		}
	}
	return false
}

// directives is a package's directives.
type directives struct {
	list   []*directive
	byLine map[fileLine][]*directive
}

type fileLine struct {
	file string
	line int
}

// silencer returns the directive that silences a finding of analyzer at
// pos, or nil. Directives without a reason silence nothing.
func (ds *directives) silencer(fset *token.FileSet, pos token.Pos, analyzer string) *directive {
	if !pos.IsValid() || len(ds.list) == 0 {
		return nil
	}
	p := fset.Position(pos)
	for _, line := range []int{p.Line, p.Line - 1} {
		for _, d := range ds.byLine[fileLine{p.Filename, line}] {
			if d.target() == p.Line && d.reason != "" && d.has(analyzer) {
				return d
			}
		}
	}
	return nil
}

// directivesAnalyzer finds a package's directives, for the wrapped
// analyzers and the Ignore analyzer.
var directivesAnalyzer = &analysis.Analyzer{
	Name:             "asyncvetdirectives",
	Doc:              "find //asyncvet:ignore directives",
	Run:              findDirectives,
	RunDespiteErrors: true,
	ResultType:       reflect.TypeOf((*directives)(nil)),
}

func findDirectives(pass *analysis.Pass) (any, error) {
	ds := &directives{byLine: map[fileLine][]*directive{}}
	for _, f := range pass.Files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				d := parseDirective(c.Text)
				if d == nil {
					continue
				}
				p := pass.Fset.Position(c.Slash)
				d.pos, d.end, d.file, d.line = c.Slash, c.End(), p.Filename, p.Line
				d.alone = !codeBefore(pass.Fset, f, c.Slash)
				ds.list = append(ds.list, d)
				k := fileLine{d.file, d.line}
				ds.byLine[k] = append(ds.byLine[k], d)
			}
		}
	}
	return ds, nil
}

// parseDirective parses a comment's text, or returns nil for a comment
// that is not a directive.
func parseDirective(text string) *directive {
	rest, ok := strings.CutPrefix(text, IgnoreDirective)
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return nil
	}
	fields := strings.Fields(rest)
	d := &directive{}
	if len(fields) == 0 {
		return d
	}
	for _, n := range strings.Split(fields[0], ",") {
		if n = strings.TrimSpace(n); n != "" {
			d.names = append(d.names, n)
		}
	}
	d.reason = strings.Join(fields[1:], " ")
	return d
}

// codeBefore reports whether any code stands on the line of pos before it.
func codeBefore(fset *token.FileSet, f *ast.File, pos token.Pos) bool {
	tf := fset.File(pos)
	if tf == nil {
		return false
	}
	lineStart := tf.LineStart(tf.Line(pos))
	if f.Package >= lineStart && f.Package < pos {
		return true // the package clause is not a node of its own
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if found || n == nil {
			return false
		}
		switch n.(type) {
		case *ast.Comment, *ast.CommentGroup:
			return false
		}
		if n.Pos() > pos || n.End() < lineStart {
			return false // wholly after the directive or before its line
		}
		if n.Pos() >= lineStart && n.Pos() < pos || n.End() > lineStart && n.End() <= pos {
			found = true // starts or ends on the line, before the directive
			return false
		}
		return true
	})
	return found
}

// problems returns what is wrong with a directive: a missing name or
// reason, names of no analyzer. known reports whether a name is an
// analyzer's.
func (d *directive) problems(known func(string) bool, names []string) []problem {
	if len(d.names) == 0 {
		return []problem{{"malformed", IgnoreDirective + " needs the analyzer to silence and a reason: " + IgnoreDirective + " NAME reason"}}
	}
	var out []problem
	for _, n := range d.names {
		if known(n) {
			continue
		}
		if n == "all" {
			out = append(out, problem{"unknown", IgnoreDirective + " all is not allowed: name the analyzers to silence"})
			continue
		}
		msg := fmt.Sprintf("%s names no analyzer %q", IgnoreDirective, n)
		if best := closest(n, names); best != "" {
			msg += fmt.Sprintf(": did you mean %q?", best)
		} else {
			msg += " (known: " + strings.Join(names, ", ") + ")"
		}
		out = append(out, problem{"unknown", msg})
	}
	if d.reason == "" {
		out = append(out, problem{"reason", fmt.Sprintf("%s %s needs a reason after the analyzer's name: it silences nothing without one", IgnoreDirective, strings.Join(d.names, ","))})
	}
	return out
}

// problem is a finding of the Ignore analyzer: its category and message.
type problem struct{ category, message string }

// closest returns the name at the smallest edit distance from s, if it is
// close enough to be a misspelling.
func closest(s string, names []string) string {
	best, dist := "", -1
	for _, n := range names {
		if d := levenshtein(s, n); dist < 0 || d < dist {
			best, dist = n, d
		}
	}
	if dist < 0 || dist > max(1, len(s)/3) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
