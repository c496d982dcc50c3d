package workbook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// GradeSchemaVersion is the version of GradeReport's JSON shape, documented
// in docs/grade-report.md.
const GradeSchemaVersion = 1

// GradeReport is the result of grading a solution submission.
type GradeReport struct {
	Schema      int                  `json:"schema"`
	Exercise    string               `json:"exercise"`
	Submission  string               `json:"submission"`
	Passed      bool                 `json:"passed"`
	Score       int                  `json:"score"`  // 0..100
	Reason      string               `json:"reason"` // one line: why it failed, or "all checks passed"
	Properties  []suite.Result       `json:"properties"`
	Leaks       []Leak               `json:"leaks"`
	Findings    []Finding            `json:"findings"`
	Speedup     *suite.SpeedupReport `json:"speedup,omitempty"`
	BuildErrors []string             `json:"build_errors,omitempty"`
	Violations  []string             `json:"violations,omitempty"` // what the submission may not do
	TimedOut    bool                 `json:"timed_out"`
	DurationMS  int64                `json:"duration_ms"`
}

// GradeOptions tune a grading run.
type GradeOptions struct {
	Timeout  time.Duration // for the test run; zero means DefaultGradeTimeout
	Progress ProgressFunc
}

// DefaultGradeTimeout bounds a submission's test run.
const DefaultGradeTimeout = 2 * time.Minute

// forbiddenImports may not appear in a submission: they reach outside the
// submission's folder or around the type system.
var forbiddenImports = map[string]string{
	"os/exec":   "runs other programs",
	"syscall":   "makes raw system calls",
	"unsafe":    "bypasses the type system",
	"plugin":    "loads code at run time",
	"C":         "uses cgo",
	"io/ioutil": "is deprecated and can write files",
}

// forbiddenCalls are functions of package os that write outside the process.
var forbiddenCalls = map[string]bool{
	"Create": true, "CreateTemp": true, "WriteFile": true, "OpenFile": true, "Remove": true, "RemoveAll": true,
	"Rename": true, "Mkdir": true, "MkdirAll": true, "MkdirTemp": true, "Chmod": true, "Chown": true,
	"Chtimes": true, "Symlink": true, "Link": true, "Truncate": true, "Chdir": true, "Setenv": true,
	"Unsetenv": true, "Clearenv": true, "Exit": true,
}

// Grade copies the submission's Go files (not its tests) into a fresh
// practice copy inside the workspace, with the exercise's own test file, and
// checks it under a time limit. A submission that does not compile, hangs,
// panics or tries to reach outside its folder gets a failing report with the
// reason; Grade's error is for the grader's own failures.
func (w *Workbook) Grade(ctx context.Context, e *Exercise, submission string, opts GradeOptions) (*GradeReport, error) {
	start := time.Now()
	rep := &GradeReport{Schema: GradeSchemaVersion, Exercise: e.Info.Slug, Submission: submission, Properties: []suite.Result{}, Leaks: []Leak{}, Findings: []Finding{}}
	files, err := submissionFiles(submission)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		rep.Reason = fmt.Sprintf("the submission %s has no Go files (it needs a solve.go with func Solve)", submission)
		return rep, nil
	}
	rep.Violations = policyViolations(files)
	if len(rep.Violations) > 0 {
		rep.Reason = "the submission may not do this: " + rep.Violations[0]
		rep.DurationMS = time.Since(start).Milliseconds()
		return rep, nil
	}
	dir, err := w.gradingCopy(e, files)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultGradeTimeout
	}
	res, err := w.CheckDir(ctx, e, dir, CheckOptions{Timeout: timeout, Speedup: true, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	rep.BuildErrors, rep.TimedOut, rep.Speedup = res.BuildErrors, res.TimedOut, res.Speedup
	if res.Properties != nil {
		rep.Properties = res.Properties
	}
	rep.Leaks = append(rep.Leaks, res.Leaks...)
	rep.Findings = append(rep.Findings, res.Findings...)
	// Name the submission's own files, not the grading copy's: go test
	// prints them absolute or relative to the workspace.
	relDir, _ := filepath.Rel(w.root, dir)
	for i := range rep.BuildErrors {
		for _, prefix := range []string{dir + string(filepath.Separator), relDir + string(filepath.Separator), "./" + relDir + string(filepath.Separator)} {
			rep.BuildErrors[i] = strings.ReplaceAll(rep.BuildErrors[i], prefix, "")
		}
	}
	rep.Passed = res.Passed
	rep.Score = score(res)
	rep.Reason = reason(res, timeout)
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep, nil
}

// submissionFiles reads the non-test Go files of the submission folder.
func submissionFiles(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read submission: %w", err)
	}
	files := map[string][]byte{}
	for _, ent := range entries {
		n := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		if !ent.Type().IsRegular() {
			return nil, fmt.Errorf("read submission: %s is not a regular file", n)
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read submission: %w", err)
		}
		files[n] = b
	}
	return files, nil
}

// policyViolations lists what the submission's files may not do: forbidden
// imports, os calls that write outside the process, and cgo or embed
// directives. Files that do not parse are left to the compiler.
func policyViolations(files map[string][]byte) []string {
	var out []string
	for name, src := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			continue
		}
		osName := ""
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := forbiddenImports[path]; bad {
				out = append(out, fmt.Sprintf("%s: imports %q, which %s", fset.Position(imp.Pos()), path, why))
			}
			if path == "os" {
				osName = "os"
				if imp.Name != nil {
					osName = imp.Name.Name
				}
			}
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, "//go:embed") || strings.HasPrefix(c.Text, "//go:linkname") {
					out = append(out, fmt.Sprintf("%s: uses the %s directive", fset.Position(c.Pos()), strings.Fields(c.Text)[0]))
				}
			}
		}
		if osName == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == osName && forbiddenCalls[sel.Sel.Name] {
				out = append(out, fmt.Sprintf("%s: calls os.%s, which reaches outside the submission", fset.Position(sel.Pos()), sel.Sel.Name))
			}
			return true
		})
	}
	return out
}

// gradingCopy writes the submission beside a fresh test file in a new
// folder under the practice folder, so it builds inside the workspace.
func (w *Workbook) gradingCopy(e *Exercise, files map[string][]byte) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("name grading folder: %w", err)
	}
	dir := filepath.Join(w.root, PracticeDir, "grade-"+e.Info.Dir+"-"+hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make grading folder: %w", err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("copy submission: %w", err)
		}
	}
	test, err := SolveTestSource(e)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, SolveTestFile), test, 0o644)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("write grading test: %w", err)
	}
	return dir, nil
}

// score weighs a check: 70 for the properties (in proportion), 10 for no
// leaked goroutine, 10 for no analyzer finding, 10 for reaching 85% of the
// ideal speedup. Code that does not build or hangs scores 0.
func score(res *CheckResult) int {
	if len(res.BuildErrors) > 0 || res.TimedOut || len(res.Properties) == 0 {
		return 0
	}
	passed := len(res.Properties) - len(suite.Failed(res.Properties))
	s := 70 * float64(passed) / float64(len(res.Properties))
	if len(res.Leaks) == 0 {
		s += 10
	}
	if len(res.Findings) == 0 {
		s += 10
	}
	if sp := res.Speedup; sp != nil && sp.Ideal > 0 && sp.Measured >= 0.85*sp.Ideal {
		s += 10
	}
	return int(math.Round(s))
}

// reason says in one line why a check failed, most fundamental cause first.
func reason(res *CheckResult, timeout time.Duration) string {
	switch {
	case len(res.BuildErrors) > 0:
		return "does not compile: " + res.BuildErrors[0]
	case res.TimedOut:
		return fmt.Sprintf("hangs: the tests did not finish within %v", timeout)
	case len(res.Properties) == 0:
		if i := strings.Index(res.Output, "panic: "); i >= 0 {
			line, _, _ := strings.Cut(res.Output[i:], "\n")
			return "panicked: " + line
		}
		return "the property suite did not run: " + lastLine(res.Output)
	case len(suite.Failed(res.Properties)) > 0:
		return "fails properties: " + strings.Join(suite.Failed(res.Properties), ", ")
	case len(res.Leaks) > 0:
		return fmt.Sprintf("leaks %d goroutine(s); the first was started at %s:%d", len(res.Leaks), filepath.Base(res.Leaks[0].File), res.Leaks[0].Line)
	case len(res.Findings) > 0:
		return fmt.Sprintf("%d analyzer finding(s); the first: %s", len(res.Findings), res.Findings[0].Message)
	case !res.Passed:
		return "the tests failed: " + lastLine(res.Output)
	}
	return "all checks passed"
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// ErrNotPassed is returned when the reference solution is asked for before
// the learner's copy passes.
var ErrNotPassed = errors.New("not passed yet")
