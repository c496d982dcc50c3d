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
// passed.
func currentExercise(w *workbook.Workbook, pos []string, usage string) (*workbook.Exercise, error) {
	if len(pos) > 0 {
		return exerciseArg(w, pos, usage)
	}
	if cwd, err := os.Getwd(); err == nil {
		if e, ok := w.ExerciseFor(filepath.Join(cwd, workbook.SolveFile)); ok {
			return e, nil
		}
	}
	progress, err := w.LoadProgress()
	if err != nil {
		return nil, err
	}
	var best *workbook.Exercise
	for _, e := range w.Exercises() {
		p := progress[e.Info.Slug]
		if p.Started.IsZero() || !p.Passed.IsZero() {
			continue
		}
		if best == nil || p.Started.After(progress[best.Info.Slug].Started) {
			best = e
		}
	}
	if best == nil {
		return nil, errors.New("no exercise in progress: name one, or start one with `asyncbook start <exercise>`")
	}
	return best, nil
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
	var next *workbook.Exercise
	for _, x := range w.Exercises() {
		p := progress[x.Info.Slug]
		entries = append(entries, listEntry{x.Info.Order, x.Info.Level, x.Info.Slug, x.Info.Title, x.Info.Summary, x.Info.Patterns, p.Status(),
			fmt.Sprintf("%d/%d", p.HintsShown, len(x.Guide.Hints))})
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
		u.printf("  %d. %-22s %-24s %-13s %s\n", x.Order, x.Slug, x.Title, x.Level, status)
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
	force := fs.Bool("force", false, "overwrite an existing practice copy")
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
	dir, err := w.Start(x, *force)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	rel, _ := filepath.Rel(w.Root(), dir)
	u := e.ui
	u.printf("Started %s.\n\n", u.bold(x.Info.Title))
	u.printf("  %s   your copy: the sequential version, as func Solve — make it concurrent\n", filepath.Join(rel, workbook.SolveFile))
	u.printf("  %s   runs the exercise's property suite on Solve, with goleak (do not edit)\n", filepath.Join(rel, workbook.SolveTestFile))
	u.printf("\nRead the problem: exercises/%s/README.md\n", x.Info.Dir)
	u.printf("Check your work:  asyncbook check %s   (or `asyncbook watch` to re-check on save)\n", x.Info.Slug)
	u.printf("Stuck?            asyncbook hint %s\n", x.Info.Slug)
	return 0
}
