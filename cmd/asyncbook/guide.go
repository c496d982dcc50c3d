package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/asyncbook/asyncbook/workbook"
)

func runHint(e *env) int {
	flags := flag.NewFlagSet("hint", flag.ContinueOnError)
	pos, err := parseArgs(flags, e.args)
	if err != nil {
		return e.ui.errorf("hint: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(w, pos, "hint <exercise>")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	h, err := w.NextHint(x)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u := e.ui
	u.printf("%s\n\n%s\n", u.bold(fmt.Sprintf("Hint %d/%d: %s", h.N, len(x.Guide.Hints), h.Title)), h.Body)
	if h.N < len(x.Guide.Hints) {
		u.printf("\n%s\n", u.dim(fmt.Sprintf("Run `asyncbook hint %s` again for the next one.", x.Info.Slug)))
	} else {
		u.printf("\n%s\n", u.dim("That was the last hint."))
	}
	return 0
}

func runGuide(e *env) int {
	flags := flag.NewFlagSet("guide", flag.ContinueOnError)
	interviewer := flags.Bool("interviewer", false, "the interviewer's view: every hint, the rubric and the discussion points")
	pos, err := parseArgs(flags, e.args)
	if err != nil {
		return e.ui.errorf("guide: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := exerciseArg(w, pos, "guide <exercise> [--interviewer]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u, g := e.ui, x.Guide
	section := func(title, body string) { u.printf("\n%s\n\n%s\n", u.bold("## "+title), strings.TrimSpace(body)) }
	u.printf("%s\n", u.bold("# "+x.Info.Title+" — interview guide"))
	section("Context", g.Context)
	shown := len(g.Hints)
	if !*interviewer {
		shown = min(progress[x.Info.Slug].HintsShown, len(g.Hints))
	}
	var hints strings.Builder
	for _, h := range g.Hints[:shown] {
		fmt.Fprintf(&hints, "### Hint %d: %s\n\n%s\n\n", h.N, h.Title, h.Body)
	}
	if shown < len(g.Hints) {
		fmt.Fprintf(&hints, "(%d more hint(s): `asyncbook hint %s` shows the next one)", len(g.Hints)-shown, x.Info.Slug)
	}
	section("Hints", hints.String())
	if *interviewer {
		section("Evaluation criteria", g.Rubric)
		section("Discussion points", g.Discussion)
	}
	if len(g.AnalyzerNotes) > 0 {
		var names []string
		for n := range g.AnalyzerNotes {
			names = append(names, n)
		}
		sort.Strings(names)
		var notes strings.Builder
		for _, n := range names {
			fmt.Fprintf(&notes, "### %s\n\n%s\n\n", n, g.AnalyzerNotes[n])
		}
		section("Analyzer notes", notes.String())
	}
	if !*interviewer {
		u.printf("\n%s\n", u.dim("Running a mock interview? `asyncbook guide "+x.Info.Slug+" --interviewer` adds the rubric and discussion points."))
	}
	return 0
}

func runSolution(e *env) int {
	flags := flag.NewFlagSet("solution", flag.ContinueOnError)
	force := flags.Bool("force", false, "show it even though your copy does not pass yet")
	pos, err := parseArgs(flags, e.args)
	if err != nil {
		return e.ui.errorf("solution: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := exerciseArg(w, pos, "solution <exercise> [--force]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	if progress[x.Info.Slug].Passed.IsZero() && !*force {
		return e.ui.errorf("%v: the reference solution of %s opens once `asyncbook check %s` passes (or use --force)", workbook.ErrNotPassed, x.Info.Slug, x.Info.Slug)
	}
	ref, err := readExerciseFile(x, "solution.go")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u := e.ui
	mine := filepath.Join(w.PracticePath(x), workbook.SolveFile)
	if b, err := os.ReadFile(mine); err == nil {
		rel, _ := filepath.Rel(w.Root(), mine)
		u.printf("%s\n\n%s\n", u.bold("── yours: "+rel+" ──"), b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return e.ui.errorf("read your copy: %v", err)
	}
	u.printf("%s\n\n%s", u.bold("── reference: exercises/"+x.Info.Dir+"/solution.go ──"), ref)
	return 0
}

func readExerciseFile(x *workbook.Exercise, name string) ([]byte, error) {
	b, err := fs.ReadFile(x.Info.Files, name)
	if err != nil {
		return nil, fmt.Errorf("read %s of %s: %w", name, x.Info.Slug, err)
	}
	return b, nil
}

func runGrade(e *env) int {
	flags := flag.NewFlagSet("grade", flag.ContinueOnError)
	name := flags.String("exercise", "", "the exercise the submission solves")
	dir := flags.String("dir", "", "the submission's folder (its solve.go defines func Solve)")
	asJSON := flags.Bool("json", false, "print the report as JSON (schema: docs/grade-report.md)")
	timeout := flags.Duration("timeout", workbook.DefaultGradeTimeout, "time limit for the submission's tests")
	unsafeRun := flags.Bool("unsafe-no-sandbox", false, "run the submission even where bubblewrap is missing (it then sees the network and the file system)")
	// The grader's own failures exit 2 (docs/grade-report.md), the
	// submission's 1.
	graderFailed := func(format string, args ...any) int {
		e.ui.errorf(format, args...)
		return 2
	}
	pos, err := parseArgs(flags, e.args)
	if err != nil {
		return graderFailed("grade: %v", err)
	}
	if len(pos) > 0 || *name == "" || *dir == "" {
		return graderFailed("usage: asyncbook grade --exercise <name> --dir <submission> [--json] [--timeout 2m] [--unsafe-no-sandbox]")
	}
	w, err := openWorkbook()
	if err != nil {
		return graderFailed("%v", err)
	}
	x, err := w.Lookup(*name)
	if err != nil {
		return graderFailed("%v", err)
	}
	opts := workbook.GradeOptions{Timeout: *timeout, UnsafeNoSandbox: *unsafeRun}
	if !*asJSON {
		opts.Progress = e.ui.step
	}
	rep, err := w.Grade(e.ctx, x, *dir, opts)
	if err != nil {
		return graderFailed("grade: %v", err)
	}
	if *asJSON {
		e.ui.json(rep)
	} else {
		printGrade(e.ui, rep)
	}
	if rep.GraderFailed() {
		e.ui.errorf("grade: %s", rep.Reason)
		return 2
	}
	if !rep.Passed {
		return 1
	}
	return 0
}

func printGrade(u *ui, r *workbook.GradeReport) {
	u.printf("Grade of %s for %s: %s, score %d/100\n", r.Submission, r.Exercise, u.mark(r.Passed), r.Score)
	u.printf("Reason: %s (%s)\n", r.Reason, r.Verdict)
	for _, v := range r.Violations {
		u.printf("  violation: %s\n", v)
	}
	for _, b := range r.BuildErrors {
		u.printf("  build: %s\n", b)
	}
	for _, p := range r.Properties {
		u.printf("  %s %-28s %s\n", u.mark(p.Pass), p.Property, p.Observed)
	}
	for _, l := range r.Leaks {
		u.printf("  leak: goroutine started at %s:%d, stuck in %s\n", filepath.Base(l.File), l.Line, l.State)
	}
	for _, f := range r.Findings {
		u.printf("  finding: %s:%d:%d %s: %s\n", filepath.Base(f.File), f.Line, f.Col, f.Analyzer, f.Message)
	}
	if sp := r.Speedup; sp != nil && sp.Measured > 0 {
		u.printf("  speedup: %.1fx (ideal %.1fx)\n", sp.Measured, sp.Ideal)
	}
}
