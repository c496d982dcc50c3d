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
	x, err := currentExercise(e, w, pos, "hint [<exercise>]")
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
	interviewer := flags.Bool("interviewer", false, "the interviewer's view: timing and decision rule first, then every hint, the rubric, calibration and discussion")
	variant := flags.String("variant", "", "a variant of the interview: \"debugging\" prints the buggy code to hand out and its rubric")
	pos, err := parseArgs(flags, e.args)
	if err != nil {
		return e.ui.errorf("guide: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := exerciseArg(w, pos, "guide <exercise> [--interviewer | --variant debugging]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	switch *variant {
	case "":
	case "debugging":
		return printDebuggingVariant(e.ui, x)
	default:
		return e.ui.errorf("guide: unknown variant %q (the variants are: debugging)", *variant)
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u, g := e.ui, x.Guide
	section := func(title, body string) {
		if strings.TrimSpace(body) != "" {
			u.printf("\n%s\n\n%s\n", u.bold("## "+title), strings.TrimSpace(body))
		}
	}
	u.printf("%s\n", u.bold("# "+x.Info.Title+" — interview guide"))
	if x.Info.Level != "" {
		u.printf("%s\n", u.dim(fmt.Sprintf("Exercise %d of %d, %s.", x.Info.Order, len(w.Exercises()), x.Info.Level)))
	}
	if *interviewer {
		// What the interviewer needs before the candidate arrives: the
		// clock and what the verdict will rest on.
		section("Timing", g.Timing)
		section("Decision rule", g.Decision)
	}
	section("Context", g.Context)
	if *interviewer {
		section("Clarifying questions", g.Clarifying)
	}
	shown := len(g.Hints)
	if !*interviewer {
		shown = min(progress[x.Info.Slug].HintsShown, len(g.Hints))
	}
	var hints strings.Builder
	for _, h := range g.Hints[:shown] {
		fmt.Fprintf(&hints, "### Hint %d: %s\n\n%s\n\n", h.N, h.Title, h.Body)
	}
	if shown < len(g.Hints) {
		fmt.Fprintf(&hints, "(%s: `asyncbook hint %s` shows the next one)", plural(len(g.Hints)-shown, "more hint", "more hints"), x.Info.Slug)
	}
	section("Hints", hints.String())
	if *interviewer {
		section("Evaluation criteria", g.Rubric)
		section("Calibration", joinSubsections("Strong answer", g.Calibration.Strong, "Weak answer", g.Calibration.Weak))
		section("Extensions", g.Extensions)
		section("Python equivalent", g.Python)
		section("What to monitor", g.Monitoring)
		section("Discussion points", g.Discussion)
		var extra []string
		for h := range g.Extra {
			extra = append(extra, h)
		}
		sort.Strings(extra)
		for _, h := range extra {
			section(h, g.Extra[h])
		}
		if g.Debugging.Handout != "" {
			section("Debugging variant", "A 15-minute round on buggy code: `asyncbook guide --variant debugging "+x.Info.Slug+"` prints the hand-out and its rubric.")
		}
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
		u.printf("\n%s\n", u.dim("Running a mock interview? `asyncbook guide "+x.Info.Slug+" --interviewer` adds the timing, rubric, decision rule and discussion points (docs/interviewing.md)."))
	}
	return 0
}

// printDebuggingVariant prints the debugging variant: first the hand-out
// (what the candidate reads: the task and the buggy code), then, marked for
// the interviewer, what asyncvet reports on it and the rubric.
func printDebuggingVariant(u *ui, x *workbook.Exercise) int {
	v := x.Guide.Debugging
	if v.Handout == "" {
		return u.errorf("guide: %s has no debugging variant", x.Info.Slug)
	}
	u.printf("%s\n\n%s\n", u.bold("# "+x.Info.Title+" — debugging variant: hand-out"), strings.TrimSpace(v.Handout))
	u.printf("\n%s\n", u.bold("# For the interviewer (do not hand out)"))
	if v.Findings != "" {
		u.printf("\n%s\n\n%s\n", u.bold("## What asyncvet says"), strings.TrimSpace(v.Findings))
	}
	u.printf("\n%s\n\n%s\n", u.bold("## Rubric"), strings.TrimSpace(v.Rubric))
	return 0
}

// joinSubsections renders "### title" subsections, skipping empty bodies.
func joinSubsections(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) != "" {
			fmt.Fprintf(&b, "### %s\n\n%s\n\n", pairs[i], strings.TrimSpace(pairs[i+1]))
		}
	}
	return b.String()
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
	noRace := flags.Bool("no-race", false, "build the suite without the race detector (faster, blind to data races)")
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
		return graderFailed("usage: asyncbook grade --exercise <name> --dir <submission> [--json] [--timeout 2m] [--no-race] [--unsafe-no-sandbox]")
	}
	w, err := openWorkbook()
	if err != nil {
		return graderFailed("%v", err)
	}
	x, err := w.Lookup(*name)
	if err != nil {
		return graderFailed("%v", err)
	}
	opts := workbook.GradeOptions{Timeout: *timeout, UnsafeNoSandbox: *unsafeRun, NoRace: *noRace}
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
