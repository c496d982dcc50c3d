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

// runLeaks runs any module's own tests with the goroutine-leak profile and
// prints the goroutines they leaked as file:line:col findings.
func runLeaks(e *env) int {
	fs := flag.NewFlagSet("leaks", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	race := fs.Bool("race", false, "also run the tests with the race detector and report data races")
	timeout := fs.Duration("timeout", 10*time.Minute, "go test's time limit")
	verbose := fs.Bool("v", false, "show go test's output as it runs (on stderr)")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("leaks: %v", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return e.ui.errorf("leaks: %v", err)
	}
	opts := workbook.LeaksOptions{Dir: cwd, Patterns: pos, Race: *race, Timeout: *timeout}
	if *verbose {
		opts.Output = e.stderr
	}
	res, err := workbook.RunLeaks(e.ctx, opts)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	if *asJSON {
		e.ui.json(res)
	} else {
		rel := func(p string) string {
			if r, err := filepath.Rel(cwd, p); err == nil && !strings.HasPrefix(r, "..") {
				return r
			}
			return p
		}
		for _, l := range res.Leaks {
			fmt.Fprintf(e.stdout, "%s:%d:%d: %s\n", rel(l.File), l.Line, l.Col, l.Message)
		}
		for _, r := range res.Races {
			if len(r.Accesses) == 0 {
				continue
			}
			a := r.Accesses[0]
			msg := "data race: " + accessKind(a) + " in " + a.Function
			if len(r.Accesses) > 1 {
				b := r.Accesses[1]
				msg += fmt.Sprintf(" races with %s in %s at %s:%d", accessKind(b), b.Function, rel(b.File), b.Line)
			}
			fmt.Fprintf(e.stdout, "%s:%d:1: %s\n", rel(a.File), a.Line, msg)
		}
		for _, n := range res.Notes {
			fmt.Fprintf(e.stderr, "asyncbook leaks: note: %s\n", n)
		}
		for _, p := range res.Failed {
			fmt.Fprintf(e.stderr, "asyncbook leaks: the tests of %s failed (run with -v to see them)\n", p)
		}
	}
	if len(res.Leaks) > 0 || len(res.Races) > 0 {
		return 1
	}
	return 0
}
