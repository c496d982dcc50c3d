package catalog

import (
	"bufio"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook"
)

// Workbooks is the Catalog of the asyncbook workspaces that files are in:
// for a file, the workspace is the folder above it whose go.mod declares the
// asyncbook module, and its workbook is opened once.
type Workbooks struct {
	logf func(format string, args ...any)

	mu     sync.Mutex
	byRoot map[string]*workbook.Workbook // nil: the root failed to open
}

// NewWorkbooks returns a catalog that reports workspaces it cannot open to
// logf.
func NewWorkbooks(logf func(format string, args ...any)) *Workbooks {
	return &Workbooks{logf: logf, byRoot: map[string]*workbook.Workbook{}}
}

// lookup returns the workbook and exercise of a file.
func (w *Workbooks) lookup(path string) (*workbook.Workbook, *workbook.Exercise, bool) {
	root, err := workbook.FindRoot(filepath.Dir(path))
	if err != nil {
		return nil, nil, false
	}
	w.mu.Lock()
	wb, seen := w.byRoot[root]
	if !seen {
		wb, err = workbook.Open(root)
		if err != nil {
			w.logf("open the workbook at %s: %v", root, err)
			wb = nil
		}
		w.byRoot[root] = wb
	}
	w.mu.Unlock()
	if wb == nil {
		return nil, nil, false
	}
	e, ok := wb.ExerciseFor(path)
	return wb, e, ok
}

// isPractice reports whether path is in a practice copy of the workbook.
func isPractice(wb *workbook.Workbook, path string) bool {
	rel, err := filepath.Rel(wb.Root(), path)
	return err == nil && strings.HasPrefix(filepath.ToSlash(rel), workbook.PracticeDir+"/")
}

// ExerciseFor implements Catalog.
func (w *Workbooks) ExerciseFor(path string) (*Exercise, bool) {
	wb, e, ok := w.lookup(path)
	if !ok {
		return nil, false
	}
	ex := &Exercise{
		Slug:          e.Info.Slug,
		Title:         e.Info.Title,
		AnalyzerNotes: e.Guide.AnalyzerNotes,
		GuidePath:     wb.GuidePath(e.Info.Slug),
		Practice:      isPractice(wb, path),
	}
	if ex.Practice && filepath.Base(path) == workbook.SolveFile {
		ex.Func = workbook.PracticeFunc
	}
	for _, h := range e.Guide.Hints {
		ex.Hints = append(ex.Hints, Hint{N: h.N, Title: h.Title, Body: h.Body})
	}
	return ex, true
}

// HintsShown implements Catalog.
func (w *Workbooks) HintsShown(path string) int {
	wb, e, ok := w.lookup(path)
	if !ok {
		return 0
	}
	progress, err := wb.LoadProgress()
	if err != nil {
		w.logf("%v", err)
		return 0
	}
	return progress[e.Info.Slug].HintsShown
}

// NextHint implements Catalog with the workbook's own stepping, the one
// `asyncbook hint` uses.
func (w *Workbooks) NextHint(path string) (Hint, error) {
	wb, e, ok := w.lookup(path)
	if !ok {
		return Hint{}, fmt.Errorf("next hint for %s: %w", path, ErrNoExercise)
	}
	h, err := wb.NextHint(e)
	if err != nil {
		return Hint{}, err
	}
	return Hint{N: h.N, Title: h.Title, Body: h.Body}, nil
}

// Check implements Catalog: it checks the exercise's practice copy with
// the editor's settings and places what failed at the code responsible.
func (w *Workbooks) Check(ctx context.Context, path string, opts CheckOptions) (*CheckResult, error) {
	wb, e, ok := w.lookup(path)
	if !ok {
		return nil, fmt.Errorf("check %s: %w", path, ErrNoExercise)
	}
	res, err := wb.CheckExercise(ctx, e, workbook.CheckOptions{Speedup: true, Progress: opts.Progress, Settings: opts.Settings})
	if err != nil {
		return nil, err
	}
	solve := filepath.Join(wb.PracticePath(e), workbook.SolveFile)
	return convert(wb.Root(), solve, res), nil
}

// convert places a workbook check's failures at the code responsible:
// build errors at their line; a failed property where the suite saw it go
// wrong (suite.Result.Where: the go statement of a goroutine still
// running, the call that went over a limit), else at the function to
// implement; a leaked goroutine at the go statement that started it, with
// what it is stuck on; a data race at both of its accesses, each pointing
// at the other. Analyzer findings are counted, not placed: the editor's
// live analysis, run with the same settings, shows them already.
func convert(root, solve string, res *workbook.CheckResult) *CheckResult {
	out := &CheckResult{Passed: res.Passed, Output: res.Output}
	funcLine := funcLine(solve, workbook.PracticeFunc)
	for _, b := range res.BuildErrors {
		if p, ok := buildProblem(root, filepath.Dir(solve), b); ok {
			out.Problems = append(out.Problems, p)
		}
	}
	if res.TimedOut {
		out.Problems = append(out.Problems, Problem{File: solve, Line: funcLine, Code: "timeout",
			Message: "the property suite timed out: something blocks forever (a send nobody receives, a Wait that never ends)"})
	}
	if res.Stopped != "" {
		out.Problems = append(out.Problems, Problem{File: solve, Line: funcLine, Code: "stopped", Message: "the property suite was stopped: " + res.Stopped})
	}
	failed := 0
	for _, r := range res.Properties {
		if r.Pass {
			continue
		}
		failed++
		out.Problems = append(out.Problems, propertyProblems(r, solve, funcLine)...)
	}
	out.Problems = append(out.Problems, leakProblems(root, res.Leaks)...)
	out.Problems = append(out.Problems, raceProblems(res.Races)...)
	out.Summary = summary(res, failed)
	return out
}

// propertyProblems places a failed property at each place the suite names
// (or at the function to implement when it names none).
func propertyProblems(r suite.Result, solve string, funcLine int) []Problem {
	msg := propertyMessage(r)
	var out []Problem
	seen := map[string]bool{}
	for _, w := range r.Where {
		if w.File == "" || w.Line < 1 {
			continue
		}
		k := fmt.Sprintf("%s:%d", w.File, w.Line)
		if seen[k] {
			continue
		}
		seen[k] = true
		m := msg
		if w.Note != "" {
			m += ": here, " + w.Note
		}
		out = append(out, Problem{File: w.File, Line: w.Line, Code: "property:" + r.Property, Message: m})
	}
	if len(out) == 0 {
		out = append(out, Problem{File: solve, Line: funcLine, Code: "property:" + r.Property, Message: msg})
	}
	return out
}

// leakProblems places leaked goroutines at their go statements, one
// problem per statement (goroutines started by one statement leak
// together), a proven leak before a suspected one.
func leakProblems(root string, leaks []workbook.Leak) []Problem {
	type stmt struct {
		first  workbook.Leak // the leak the problem describes: a proven one if any
		counts map[bool]int  // goroutines, proven or not
	}
	var out []Problem
	var stmts []*stmt
	byStmt := map[string]int{} // file:line → index in out
	for _, l := range leaks {
		if l.File == "" {
			continue // no "created by" frame: nothing to point at
		}
		key := fmt.Sprintf("%s:%d", l.File, l.Line)
		i, ok := byStmt[key]
		if !ok {
			i = len(out)
			byStmt[key] = i
			stmts = append(stmts, &stmt{first: l, counts: map[bool]int{}})
			out = append(out, Problem{})
		}
		st := stmts[i]
		st.counts[l.Proven()] += max(l.Count, 1)
		if l.Proven() && !st.first.Proven() {
			st.first = l
		}
		out[i] = leakProblem(root, st.first, st.counts[st.first.Proven()])
	}
	return out
}

func leakProblem(root string, l workbook.Leak, n int) Problem {
	p := Problem{File: l.File, Line: l.Line, Code: CodeGoleak, Message: leakMessage(l, n)}
	if l.Proven() {
		p.Code = CodeProvenLeak
	}
	if f, line, ok := topFrame(root, l.Stack); ok && (f != l.File || line != l.Line) {
		what := l.State
		if l.BlockedOn != "" {
			what = l.BlockedOn
		}
		p.Related = append(p.Related, Location{File: f, Line: line, Message: "where it is stuck (" + what + ")"})
	}
	return p
}

func leakMessage(l workbook.Leak, n int) string {
	who := "a goroutine started here"
	if n > 1 {
		who = fmt.Sprintf("%d goroutines started here", n)
	}
	during := ""
	if l.Property != "" {
		during = " (property " + l.Property + ")"
	}
	if l.Proven() {
		what := l.BlockedOn
		if what == "" {
			what = l.State
		}
		return fmt.Sprintf("%s leaked: blocked forever on %s, proven by the goroutine-leak profile%s", who, what, during)
	}
	return fmt.Sprintf("%s leaked: still running after the tests, %s in %s (goleak)%s", who, l.State, l.Function, during)
}

// raceProblems places each data race at both of its accesses, each with the
// other as related information; a race reported again (another property,
// another run) is placed once.
func raceProblems(races []workbook.Race) []Problem {
	var out []Problem
	seen := map[string]bool{}
	for _, r := range races {
		if len(r.Accesses) == 0 {
			continue
		}
		a := r.Accesses[0]
		b := a
		if len(r.Accesses) > 1 {
			b = r.Accesses[1]
		}
		k1, k2 := fmt.Sprintf("%s:%d", a.File, a.Line), fmt.Sprintf("%s:%d", b.File, b.Line)
		key := k1 + "|" + k2
		if k2 < k1 {
			key = k2 + "|" + k1
		}
		if seen[key] || a.File == "" {
			continue
		}
		seen[key] = true
		during := ""
		if r.Property != "" {
			during = " (property " + r.Property + ")"
		}
		for i, x := range []workbook.Access{a, b} {
			other := b
			if i == 1 {
				other = a
			}
			if x.File == "" || i == 1 && k1 == k2 {
				continue
			}
			p := Problem{File: x.File, Line: x.Line, Code: CodeRace,
				Message: fmt.Sprintf("data race: %s in %s races with %s in %s at line %d%s", accessKind(x), shortFunc(x.Function), accessKind(other), shortFunc(other.Function), other.Line, during)}
			if other.File != "" && k1 != k2 {
				p.Related = append(p.Related, Location{File: other.File, Line: other.Line, Message: "the other access: " + accessKind(other) + " in " + shortFunc(other.Function)})
			}
			if x.CreatedFile != "" {
				p.Related = append(p.Related, Location{File: x.CreatedFile, Line: x.CreatedLine, Message: "the goroutine making this " + accessKind(x) + " was started here"})
			}
			out = append(out, p)
		}
	}
	return out
}

func accessKind(a workbook.Access) string {
	if a.Write {
		return "a write"
	}
	return "a read"
}

// shortFunc drops the package path of a function name.
func shortFunc(name string) string {
	if name == "" {
		return "the code under test"
	}
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func propertyMessage(r suite.Result) string {
	msg := "property " + r.Property + " fails"
	if r.Description != "" {
		msg += ": " + r.Description
	}
	// The first line of what was seen; stacks and the rest are in the
	// test output.
	if observed, _, _ := strings.Cut(strings.TrimSpace(r.Observed), "\n"); observed != "" {
		msg += " (observed: " + strings.TrimSuffix(observed, ":") + ")"
	}
	return msg
}

func summary(res *workbook.CheckResult, failed int) string {
	switch {
	case len(res.BuildErrors) > 0:
		return "the practice copy does not build"
	case res.Passed:
		return fmt.Sprintf("passed: all %d properties hold, no leaks, no findings", len(res.Properties))
	}
	var parts []string
	if n := len(res.Properties); n > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d properties pass", n-failed, n))
	}
	if res.TimedOut {
		parts = append(parts, "timed out")
	}
	if res.Stopped != "" {
		parts = append(parts, "stopped by a limit")
	}
	if n := len(res.Leaks); n > 0 {
		parts = append(parts, plural(n, "leaked goroutine"))
	}
	if n := len(res.Races); n > 0 {
		parts = append(parts, plural(n, "data race"))
	}
	if n := len(res.Findings); n > 0 {
		parts = append(parts, plural(n, "analyzer finding"))
	}
	if len(parts) == 0 {
		return "failed"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// funcLine returns the line of the function's declaration in file, or 1.
func funcLine(file, name string) int {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if f == nil {
		return 1
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			return fset.Position(fd.Name.Pos()).Line
		}
	}
	return 1
}

var buildLine = regexp.MustCompile(`^(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// buildProblem places a compiler error; go test prints paths relative to
// the directory it ran in (the workspace root) or to the package.
func buildProblem(root, pkgDir, line string) (Problem, bool) {
	m := buildLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Problem{}, false
	}
	file := m[1]
	if !filepath.IsAbs(file) {
		for _, base := range []string{root, pkgDir} {
			if _, err := os.Stat(filepath.Join(base, file)); err == nil {
				file = filepath.Join(base, file)
				break
			}
		}
	}
	ln, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return Problem{File: file, Line: ln, Col: col, Code: "build", Message: m[4]}, true
}

var stackFrame = regexp.MustCompile(`^\s+(\S+\.go):(\d+)`)

// topFrame returns the first file:line of a goroutine's stack that is in the
// workspace: where the learner's code is stuck.
func topFrame(root, stack string) (string, int, bool) {
	sc := bufio.NewScanner(strings.NewReader(stack))
	for sc.Scan() {
		if m := stackFrame.FindStringSubmatch(sc.Text()); m != nil && strings.HasPrefix(m[1], root+string(filepath.Separator)) {
			n, _ := strconv.Atoi(m[2])
			return m[1], n, true
		}
	}
	return "", 0, false
}
