package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/asyncbook/asyncbook/workbook"
)

// parseArgs parses flags that may stand before or after the positional
// arguments, and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// exerciseArg looks up the exercise named by the single positional argument.
func exerciseArg(w *workbook.Workbook, pos []string, usage string) (*workbook.Exercise, error) {
	if len(pos) != 1 {
		var slugs []string
		for _, e := range w.Exercises() {
			slugs = append(slugs, e.Info.Slug)
		}
		return nil, fmt.Errorf("usage: asyncbook %s (exercises: %s)", usage, strings.Join(slugs, ", "))
	}
	return w.Lookup(pos[0])
}

// currentExercise is the exercise named, else the one whose practice copy
// holds the current folder, else the most recently started one that has not
// passed, else (after a pass) the first one not passed yet, with a note on
// stderr saying which it picked.
func currentExercise(e *env, w *workbook.Workbook, pos []string, usage string) (*workbook.Exercise, error) {
	if len(pos) > 0 {
		return exerciseArg(w, pos, usage)
	}
	if cwd, err := os.Getwd(); err == nil {
		if x, ok := w.ExerciseFor(filepath.Join(cwd, workbook.SolveFile)); ok {
			return x, nil
		}
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return nil, err
	}
	if x := w.InProgress(progress); x != nil {
		return x, nil
	}
	x := w.NextUnfinished(progress)
	if x == nil {
		return nil, fmt.Errorf("every exercise passes: name the one you mean (usage: asyncbook %s)", usage)
	}
	var passed []string
	for _, y := range w.Exercises() {
		if !progress[y.Info.Slug].Passed.IsZero() {
			passed = append(passed, y.Info.Slug)
		}
	}
	if len(passed) > 0 {
		fmt.Fprintf(e.stderr, "asyncbook: no exercise in progress (passed: %s); on to the next one, %s\n", strings.Join(passed, ", "), x.Info.Slug)
	} else {
		fmt.Fprintf(e.stderr, "asyncbook: no exercise started yet; the first one is %s\n", x.Info.Slug)
	}
	return x, nil
}

type listEntry struct {
	Order    int      `json:"order"`
	Level    string   `json:"level"`
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Patterns []string `json:"patterns"`
	Status   string   `json:"status"`
	Hints    string   `json:"hints"`
}

func runList(e *env) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, e.args); err != nil {
		return e.ui.errorf("list: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	var entries []listEntry
	slugW, titleW := 0, 0
	var next *workbook.Exercise
	for _, x := range w.Exercises() {
		p := progress[x.Info.Slug]
		entries = append(entries, listEntry{x.Info.Order, x.Info.Level, x.Info.Slug, x.Info.Title, x.Info.Summary, x.Info.Patterns, p.Status(),
			fmt.Sprintf("%d/%d", p.HintsShown, len(x.Guide.Hints))})
		slugW, titleW = max(slugW, len(x.Info.Slug)), max(titleW, len(x.Info.Title))
		if next == nil && p.Status() != "passed" {
			next = x
		}
	}
	if *asJSON {
		return e.ui.json(entries)
	}
	u := e.ui
	u.printf("%s\n\n", u.bold("asyncbook — Go concurrency exercises for ML engineers"))
	passed := 0
	for _, x := range entries {
		status := x.Status
		switch status {
		case "passed":
			status = u.green(status)
			passed++
		case "failing":
			status = u.red(status)
		}
		u.printf("  %d. %-*s  %-*s  %-12s  %s\n", x.Order, slugW, x.Slug, titleW, x.Title, x.Level, status)
		u.printf("     %s\n", u.dim("teaches: "+strings.Join(x.Patterns, ", ")))
	}
	u.printf("\n%d of %d passed.\n", passed, len(entries))
	if next != nil {
		p := progress[next.Info.Slug]
		if p.Started.IsZero() {
			u.printf("Next: read exercises/%s/README.md, then `asyncbook start %s`.\n", next.Info.Dir, next.Info.Slug)
		} else {
			u.printf("Next: make %s/%s/solve.go concurrent, then `asyncbook check %s` (stuck? `asyncbook hint %s`).\n",
				workbook.PracticeDir, next.Info.Dir, next.Info.Slug, next.Info.Slug)
		}
	} else {
		u.printf("Every exercise passes. Try a mock interview: `asyncbook guide <exercise> --interviewer`.\n")
	}
	return 0
}

func runStart(e *env) int {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	force := fs.Bool("force", false, "start again: back up the existing practice copy and write a fresh one")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("start: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := exerciseArg(w, pos, "start <exercise> [--force]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	return startExercise(e, w, x, *force)
}

// runReset starts the exercise (named, or the current one) again from the
// sequential version, keeping a backup of the learner's copy.
func runReset(e *env) int {
	fs := flag.NewFlagSet("reset", flag.ContinueOnError)
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("reset: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(e, w, pos, "reset [<exercise>]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	return startExercise(e, w, x, true)
}

func startExercise(e *env, w *workbook.Workbook, x *workbook.Exercise, force bool) int {
	dir, backup, err := w.Restart(x, force)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	rel := func(p string) string {
		if r, err := filepath.Rel(w.Root(), p); err == nil {
			return r
		}
		return p
	}
	u := e.ui
	if backup != "" {
		u.printf("Your previous copy is saved in %s/\n", rel(backup))
	}
	u.printf("Started %s.\n\n", u.bold(x.Info.Title))
	solve, test := filepath.Join(rel(dir), workbook.SolveFile), filepath.Join(rel(dir), workbook.SolveTestFile)
	width := max(len(solve), len(test))
	u.printf("  %-*s  your copy: the sequential version, as func Solve — make it concurrent\n", width, solve)
	u.printf("  %-*s  runs the exercise's property suite on Solve, with goleak (do not edit)\n", width, test)
	u.printf("\nRead the problem: exercises/%s/README.md\n", x.Info.Dir)
	u.printf("Check your work:  asyncbook check %s   (or `asyncbook watch` to re-check on save)\n", x.Info.Slug)
	u.printf("Stuck?            asyncbook hint %s\n", x.Info.Slug)
	return 0
}

// runHints shows again the hints already shown for the exercise (named, or
// the current one), without stepping to the next.
func runHints(e *env) int {
	fs := flag.NewFlagSet("hints", flag.ContinueOnError)
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("hints: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(e, w, pos, "hints [<exercise>]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	shown, err := w.ShownHints(x)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u, total := e.ui, len(x.Guide.Hints)
	if len(shown) == 0 {
		u.printf("No hint of %s shown yet (%s). `asyncbook hint %s` shows the first.\n", x.Info.Slug, plural(total, "hint", "hints"), x.Info.Slug)
		return 0
	}
	for i, h := range shown {
		if i > 0 {
			u.printf("\n")
		}
		u.printf("%s\n\n%s\n", u.bold(fmt.Sprintf("Hint %d/%d: %s", h.N, total, h.Title)), strings.TrimSpace(h.Body))
	}
	if left := total - len(shown); left > 0 {
		u.printf("\n%s\n", u.dim(fmt.Sprintf("%s left: `asyncbook hint %s` shows the next one.", plural(left, "more hint", "more hints"), x.Info.Slug)))
	} else {
		u.printf("\n%s\n", u.dim("That is every hint."))
	}
	return 0
}

// runVerify checks every exercise that has a practice copy, one after the
// other, and prints one line per exercise; it exits 0 only when every
// exercise passes.
func runVerify(e *env) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	timeout := fs.Duration("timeout", workbook.DefaultCheckTimeout, "time limit for each exercise's test run")
	noSpeedup := fs.Bool("no-speedup", false, "skip measuring the speedups")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("verify: %v", err)
	}
	if len(pos) > 0 {
		return e.ui.errorf("usage: asyncbook verify [--no-speedup] [--timeout 3m] (it checks every exercise; `asyncbook check %s` checks one)", pos[0])
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	u := e.ui
	type row struct {
		x      *workbook.Exercise
		status string
		detail string
		passed bool
	}
	var rows []row
	for _, x := range w.Exercises() {
		if _, err := os.Stat(filepath.Join(w.PracticePath(x), workbook.SolveFile)); errors.Is(err, os.ErrNotExist) {
			rows = append(rows, row{x, "not started", "asyncbook start " + x.Info.Slug, false})
			continue
		}
		fmt.Fprintf(e.stderr, "%s %s\n", u.dim("[verify]"), "checking "+x.Info.Slug)
		res, err := w.CheckExercise(e.ctx, x, workbook.CheckOptions{Timeout: *timeout, Speedup: !*noSpeedup})
		if err != nil {
			if e.ctx.Err() != nil {
				return u.errorf("verify: %v", e.ctx.Err())
			}
			rows = append(rows, row{x, "ERROR", err.Error(), false})
			continue
		}
		rows = append(rows, row{x, verdict(res), summarize(res), res.Passed})
	}
	slugW, statusW := 0, 0
	for _, r := range rows {
		slugW, statusW = max(slugW, len(r.x.Info.Slug)), max(statusW, len(r.status))
	}
	u.printf("Every exercise, checked\n\n")
	passed := 0
	var next *workbook.Exercise
	for _, r := range rows {
		status := fmt.Sprintf("%-*s", statusW, r.status)
		switch {
		case r.passed:
			passed++
			status = u.green(status)
		case r.status != "not started":
			status = u.red(status)
		}
		if !r.passed && next == nil {
			next = r.x
		}
		u.printf("  %d. %-*s  %s  %s\n", r.x.Info.Order, slugW, r.x.Info.Slug, status, r.detail)
	}
	u.printf("\n%d of %d exercises pass.", passed, len(rows))
	if next == nil {
		u.printf(" Well done.\n")
		return 0
	}
	u.printf(" Next: %s.\n", next.Info.Slug)
	return 1
}

// verdict is a check result in a word or two.
func verdict(res *workbook.CheckResult) string {
	switch {
	case res.Passed:
		return "PASSED"
	case len(res.BuildErrors) > 0:
		return "DOES NOT BUILD"
	case res.TimedOut:
		return "TIMED OUT"
	case res.Stopped != "":
		return "STOPPED"
	default:
		return "NOT YET"
	}
}

// summarize says in one line what a check found.
func summarize(res *workbook.CheckResult) string {
	if len(res.BuildErrors) > 0 {
		return plural(len(res.BuildErrors), "build error", "build errors")
	}
	ok := len(res.Properties) - len(failedProperties(res))
	parts := []string{fmt.Sprintf("%d/%d properties", ok, len(res.Properties))}
	if n := len(res.Leaks); n > 0 {
		parts = append(parts, plural(n, "leaked goroutine", "leaked goroutines"))
	}
	if n := len(res.Findings); n > 0 {
		parts = append(parts, plural(n, "analyzer finding", "analyzer findings"))
	}
	if sp := res.Speedup; sp != nil && sp.Error == "" && sp.Measured > 0 {
		parts = append(parts, fmt.Sprintf("speedup %.1fx", sp.Measured))
	}
	return strings.Join(parts, ", ")
}

func failedProperties(res *workbook.CheckResult) []string {
	var out []string
	for _, p := range res.Properties {
		if !p.Pass {
			out = append(out, p.Property)
		}
	}
	return out
}
