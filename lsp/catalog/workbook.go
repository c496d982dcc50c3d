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

// SetHintsShown implements Catalog.
func (w *Workbooks) SetHintsShown(path string, n int) error {
	wb, e, ok := w.lookup(path)
	if !ok {
		return fmt.Errorf("record hint for %s: %w", path, ErrNoExercise)
	}
	_, err := wb.UpdateProgress(e.Info.Slug, func(p *workbook.Progress) { p.HintsShown = max(p.HintsShown, n) })
	return err
}

// Check implements Catalog: it checks the exercise's practice copy and
// places what failed at the code responsible.
func (w *Workbooks) Check(ctx context.Context, path string, progress func(step string, percent int)) (*CheckResult, error) {
	wb, e, ok := w.lookup(path)
	if !ok {
		return nil, fmt.Errorf("check %s: %w", path, ErrNoExercise)
	}
	res, err := wb.Check(ctx, e.Info.Slug, progress)
	if err != nil {
		return nil, err
	}
	solve := filepath.Join(wb.PracticePath(e), workbook.SolveFile)
	return convert(wb.Root(), solve, res), nil
}

// convert places a workbook check's failures: build errors at their line,
// failed properties and time-outs at the function to implement, leaked
// goroutines at the go statement that started them. Analyzer findings are
// counted, not placed: the live analysis shows them already.
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
	failed := 0
	for _, r := range res.Properties {
		if r.Pass {
			continue
		}
		failed++
		out.Problems = append(out.Problems, Problem{File: solve, Line: funcLine, Code: "property:" + r.Property,
			Message: propertyMessage(r)})
	}
	// Goroutines started by the same go statement leak together: one
	// problem per statement.
	byStmt := map[string]int{} // file:line → index in out.Problems
	counts := map[int]int{}    // index in out.Problems → goroutines
	for _, l := range res.Leaks {
		if l.File == "" {
			continue // no "created by" frame: nothing to point at
		}
		key := fmt.Sprintf("%s:%d", l.File, l.Line)
		if i, ok := byStmt[key]; ok {
			counts[i] += l.Count
			out.Problems[i].Message = leakMessage(l, counts[i])
			continue
		}
		p := Problem{File: l.File, Line: l.Line, Code: "goleak", Message: leakMessage(l, l.Count)}
		if f, line, ok := topFrame(root, l.Stack); ok && (f != l.File || line != l.Line) {
			p.Related = append(p.Related, Location{File: f, Line: line, Message: "where it is stuck (" + l.State + ")"})
		}
		byStmt[key] = len(out.Problems)
		counts[len(out.Problems)] = l.Count
		out.Problems = append(out.Problems, p)
	}
	out.Summary = summary(res, failed)
	return out
}

func leakMessage(l workbook.Leak, n int) string {
	who := "a goroutine started here"
	if n > 1 {
		who = fmt.Sprintf("%d goroutines started here", n)
	}
	return fmt.Sprintf("%s leaked: still running after the tests, %s in %s", who, l.State, l.Function)
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
	if n := len(res.Leaks); n > 0 {
		parts = append(parts, plural(n, "leaked goroutine"))
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
