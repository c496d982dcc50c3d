package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/workbook"
)

// runWatch re-checks the exercise whenever a file of its practice copy
// changes, until interrupted. Each check clears the screen (on a terminal)
// and shows what `check` shows; after a pass it moves on to the next
// exercise not passed yet, starting its practice copy when there is none.
func runWatch(e *env) int {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	interval := fs.Duration("interval", 500*time.Millisecond, "how often to look for changes")
	noSpeedup := fs.Bool("no-speedup", false, "skip measuring the speedup")
	timeout := fs.Duration("timeout", workbook.DefaultCheckTimeout, "time limit for each test run")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("watch: %v", err)
	}
	if *interval <= 0 {
		return e.ui.errorf("watch: --interval must be positive, not %v", *interval)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(e, w, pos, "watch [<exercise>]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	last := ""
	if _, err := os.Stat(filepath.Join(w.PracticePath(x), workbook.SolveFile)); err != nil {
		if len(pos) > 0 {
			return e.ui.errorf("no practice copy of %s: run `asyncbook start %s` first", x.Info.Slug, x.Info.Slug)
		}
		// Bare, after a pass: the next exercise has no copy yet; start it
		// as moving on does, and wait for its first save.
		if err := startNext(e, w, x); err != nil {
			return e.ui.errorf("%v", err)
		}
		last = dirStamp(w.PracticePath(x))
		e.ui.printf("%s\n", e.ui.dim("— save "+relTo(w, filepath.Join(w.PracticePath(x), workbook.SolveFile))+" to check it —"))
	}
	opts := workbook.CheckOptions{Timeout: *timeout, Speedup: !*noSpeedup}
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for {
		dir := w.PracticePath(x)
		if stamp := dirStamp(dir); stamp != last {
			last = stamp
			e.ui.clearScreen()
			e.ui.printf("%s\n", e.ui.dim(fmt.Sprintf("Watching %s for changes (Ctrl-C to stop)", relTo(w, dir))))
			code := checkOnce(e, w, x, opts, false)
			if e.ctx.Err() != nil {
				break
			}
			if code == 0 {
				next, err := moveOn(e, w, x)
				if err != nil {
					return e.ui.errorf("%v", err)
				}
				if next == nil {
					e.ui.printf("\n%s\n", e.ui.green("Every exercise passes. Well done!"))
					return 0
				}
				x = next
				last = dirStamp(w.PracticePath(x))
				e.ui.printf("%s\n", e.ui.dim("— save "+relTo(w, filepath.Join(w.PracticePath(x), workbook.SolveFile))+" to check it —"))
			} else {
				e.ui.printf("%s\n", e.ui.dim("— waiting for the next save —"))
			}
		}
		select {
		case <-e.ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	e.ui.printf("stopped watching\n")
	return 0
}

// moveOn picks the exercise after a pass of x: the next one in workbook
// order that has not passed (wrapping around), its practice copy started
// when it has none. It returns nil when every exercise passes.
func moveOn(e *env, w *workbook.Workbook, x *workbook.Exercise) (*workbook.Exercise, error) {
	progress, err := w.LoadProgress()
	if err != nil {
		return nil, err
	}
	all := w.Exercises()
	at := 0
	for i, y := range all {
		if y == x {
			at = i
		}
	}
	var next *workbook.Exercise
	for k := 1; k < len(all) && next == nil; k++ {
		if y := all[(at+k)%len(all)]; progress[y.Info.Slug].Passed.IsZero() {
			next = y
		}
	}
	if next == nil {
		return nil, nil
	}
	if err := startNext(e, w, next); err != nil {
		return nil, err
	}
	return next, nil
}

// startNext announces x as the next exercise, starting its practice copy
// when it has none.
func startNext(e *env, w *workbook.Workbook, x *workbook.Exercise) error {
	solve := filepath.Join(w.PracticePath(x), workbook.SolveFile)
	_, err := os.Stat(solve)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := w.Start(x, false); err != nil {
			return err
		}
		e.ui.printf("\n%s %s: your copy is %s (the sequential version); read exercises/%s/README.md\n",
			e.ui.bold("Next exercise:"), x.Info.Title, relTo(w, solve), x.Info.Dir)
	case err != nil:
		return err
	default:
		e.ui.printf("\n%s %s, your copy %s\n", e.ui.bold("Next exercise:"), x.Info.Title, relTo(w, solve))
	}
	return nil
}

// relTo returns p relative to the workspace root when it is inside it.
func relTo(w *workbook.Workbook, p string) string {
	if r, err := filepath.Rel(w.Root(), p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// dirStamp summarises the names, sizes and modification times of the Go
// files in dir, so that any save changes it.
func dirStamp(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, ent := range entries {
		if !strings.HasSuffix(ent.Name(), ".go") {
			continue
		}
		if info, err := ent.Info(); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", ent.Name(), info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}
