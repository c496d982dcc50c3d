package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/workbook"
)

// runWatch re-checks the exercise whenever a file of its practice copy
// changes, until interrupted.
func runWatch(e *env) int {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	interval := fs.Duration("interval", 500*time.Millisecond, "how often to look for changes")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("watch: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(e, w, pos, "watch [<exercise>]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	dir := w.PracticePath(x)
	if _, err := os.Stat(filepath.Join(dir, workbook.SolveFile)); err != nil {
		return e.ui.errorf("no practice copy of %s: run `asyncbook start %s` first", x.Info.Slug, x.Info.Slug)
	}
	e.ui.printf("Watching %s for changes (Ctrl-C to stop)\n", dir)
	last := ""
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for {
		if stamp := dirStamp(dir); stamp != last {
			last = stamp
			checkOnce(e, w, x, workbook.CheckOptions{Speedup: false}, false)
			e.ui.printf("%s\n", e.ui.dim("— waiting for the next save —"))
		}
		select {
		case <-e.ctx.Done():
			e.ui.printf("stopped watching\n")
			return 0
		case <-tick.C:
		}
	}
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
