package report

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/asyncbook/asyncbook/workbook"
)

// Grade is a parsed `asyncbook grade --json` report and where its
// submission lies in the repository.
type Grade struct {
	*workbook.GradeReport
	// Dir is the submission folder, slash-separated and relative to the
	// repository root when it lies below it.
	Dir string
}

// graderPath matches the grader's throw-away copy of a submission in a
// path (".../practice/grade-batchinference-0a1b2c3d4e5f/") and graderPkg
// in a qualified name ("github.com/.../grade-batchinference-0a1b2c3d4e5f.").
var (
	graderPath = regexp.MustCompile(`(?:[^\s"'(\[]*/)?practice/grade-[a-z0-9-]+-[0-9a-f]{12}/`)
	graderPkg  = regexp.MustCompile(`[^\s"'(\[]*practice/grade-[a-z0-9-]+-[0-9a-f]{12}\.`)
)

// located matches "file.go:line:col: message" and "file.go:line: message".
var located = regexp.MustCompile(`^(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// readGrade turns a grade report into problems on the submission's files.
// The grader checks a copy of the submission in a folder it deletes, so the
// files it names are placed back by their base name: a submission is one
// flat folder of Go files.
func readGrade(data []byte, opts Options) (*Report, error) {
	var g workbook.GradeReport
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("read grade report: %w", err)
	}
	if g.Schema > workbook.GradeSchemaVersion {
		return nil, fmt.Errorf("read grade report: schema %d is newer than this tool knows (%d): update asyncbook's annotate", g.Schema, workbook.GradeSchemaVersion)
	}
	sub := opts.Submission
	if sub == "" {
		sub = g.Submission
	}
	dir := relPath(opts.Root, sub)
	onDisk := sub
	if !filepath.IsAbs(onDisk) && opts.Root != "" {
		onDisk = filepath.Join(opts.Root, onDisk)
	}
	place := func(file string) string {
		if file == "" {
			return ""
		}
		return path.Join(dir, path.Base(filepath.ToSlash(file)))
	}
	solveFile, solveLine := findSolve(onDisk)
	// tidy names the submission's files where the grader's copy is named,
	// and keeps the first line of a multi-line text (a goroutine dump).
	tidy := func(msg string) string {
		msg, _, cut := strings.Cut(msg, "\n")
		if cut {
			msg = strings.TrimRight(msg, ": ")
		}
		msg = graderPath.ReplaceAllString(msg, dir+"/")
		return graderPkg.ReplaceAllString(msg, "")
	}
	whole := func(rule, title, msg string) Problem {
		return Problem{Tool: "asyncbook grade", Rule: rule, Severity: Error, File: path.Join(dir, solveFile), Line: solveLine, Title: title, Message: tidy(msg), Whole: true}
	}

	// What the summary shows is tidied too.
	g.Reason = tidy(g.Reason)
	for i := range g.Properties {
		g.Properties[i].Observed = tidy(g.Properties[i].Observed)
	}
	rep := &Report{Kind: KindGrade, Grade: &Grade{GradeReport: &g, Dir: dir}}
	add := func(p Problem) { rep.Problems = append(rep.Problems, p) }
	for _, v := range g.Violations {
		add(lineProblem("policy", "not allowed in a submission", tidy(v), place, whole))
	}
	for _, b := range g.BuildErrors {
		add(lineProblem("build", "does not compile", tidy(b), place, whole))
	}
	for _, f := range g.Findings {
		add(Problem{Tool: "asyncbook grade", Rule: f.Analyzer, Severity: Error, File: place(f.File), Line: f.Line, Col: f.Col,
			Title: "asyncbook " + f.Analyzer, Message: f.Message, URL: f.URL})
	}
	for _, l := range g.Leaks {
		fn := shortFunc(l.Function)
		msg := fmt.Sprintf("the goroutine started here is still running after the tests, blocked in %s (%s)", fn, l.State)
		if l.Count > 1 {
			msg = fmt.Sprintf("%d goroutines started here are still running after the tests, blocked in %s (%s)", l.Count, fn, l.State)
		}
		p := Problem{Tool: "asyncbook grade", Rule: "leak", Severity: Error, Title: "leaked goroutine", Message: msg}
		if l.File != "" && l.Line > 0 {
			p.File, p.Line = place(l.File), l.Line
		} else {
			p = whole("leak", p.Title, msg)
		}
		add(p)
	}
	for _, r := range g.Properties {
		if r.Pass {
			continue
		}
		msg := r.Observed
		if r.Description != "" {
			msg = fmt.Sprintf("%s: %s", r.Description, r.Observed)
		}
		add(whole("property/"+r.Property, "property "+r.Property+" fails", msg))
	}
	if g.TimedOut {
		add(whole("timeout", "hangs", g.Reason))
	}
	if !g.Passed && len(rep.Problems) == 0 {
		add(whole("grade", "does not pass", g.Reason))
	}
	return rep, nil
}

// lineProblem reads "file.go:line:col: message" into a problem on that
// line, or a problem on the whole submission when text has no place.
func lineProblem(rule, title, text string, place func(string) string, whole func(rule, title, msg string) Problem) Problem {
	m := located.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return whole(rule, title, text)
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return Problem{Tool: "asyncbook grade", Rule: rule, Severity: Error, File: place(m[1]), Line: line, Col: col, Title: title, Message: m[4]}
}

// shortFunc drops the import path from a function name, and the grader's
// throw-away package with it: ".../practice/grade-x-123abc.Solve.func1"
// becomes "Solve.func1", while "sync.(*WaitGroup).Wait" stays.
func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	if strings.HasPrefix(fn, "grade-") {
		if _, rest, ok := strings.Cut(fn, "."); ok {
			return rest
		}
	}
	return fn
}

// findSolve returns the file and line of func Solve in the submission, where
// problems about the submission as a whole are shown; solve.go:1 when the
// folder cannot be read or has no Solve.
func findSolve(dir string) (string, int) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return workbook.SolveFile, 1
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil && f == nil {
			continue
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "Solve" {
				return n, fset.Position(fn.Pos()).Line
			}
		}
	}
	if len(names) > 0 && !slices.Contains(names, workbook.SolveFile) {
		return names[0], 1
	}
	return workbook.SolveFile, 1
}
