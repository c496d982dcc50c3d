package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/workbook"
)

// leakRules describe the findings of `asyncbook leaks` as SARIF rules.
var leakRules = []*analysis.Analyzer{
	{Name: workbook.DetectorLeakProfile, Doc: "goroutine proven leaked\n\nGo's goroutine-leak profile (GOEXPERIMENT=goroutineleakprofile) found the goroutine blocked on a channel, mutex, WaitGroup or cond that no running goroutine can reach: it can never wake."},
	{Name: workbook.DetectorStillRunning, Doc: "goroutine still running after the tests\n\nThe goroutine was still running the module's code after the package's tests ended, without proof that it can never end (goleak's kind of evidence): it may be slow, spin, or wait on something still reachable."},
	{Name: "race", Doc: "data race\n\nThe race detector saw two unsynchronised accesses to the same memory, at least one a write."},
}

// leakFindings converts what RunLeaks found to the driver's findings.
func leakFindings(res *workbook.LeaksResult) []driver.Finding {
	var out []driver.Finding
	for _, l := range res.Leaks {
		sev := registry.Information // not proven
		if l.Proven() {
			sev = registry.Warning
		}
		out = append(out, driver.Finding{Analyzer: l.Detector, Severity: sev, Package: l.Package,
			Position: driver.Position{File: l.File, Line: l.Line, Col: l.Col}, Message: l.Message})
	}
	for _, r := range res.Races {
		if len(r.Accesses) == 0 {
			continue
		}
		a := r.Accesses[0]
		f := driver.Finding{Analyzer: "race", Severity: registry.Warning, Position: driver.Position{File: a.File, Line: a.Line, Col: 1},
			Message: "data race: " + accessKind(a) + " in " + a.Function}
		for _, b := range r.Accesses[1:] {
			f.Related = append(f.Related, driver.Related{Pos: driver.Position{File: b.File, Line: b.Line, Col: 1}, Message: "the other access: " + accessKind(b) + " in " + b.Function})
		}
		out = append(out, f)
	}
	return out
}

// runLeaks runs any module's own tests with the goroutine-leak profile and
// prints the goroutines they leaked as file:line:col findings.
func runLeaks(e *env) int {
	fs := flag.NewFlagSet("leaks", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	asSARIF := fs.Bool("sarif", false, "print the findings as SARIF 2.1.0 (for code scanning)")
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
	switch {
	case *asSARIF:
		if err := driver.WriteSARIF(e.stdout, cwd, "asyncbook", version, leakRules, leakFindings(res), nil); err != nil {
			return e.ui.errorf("leaks: %v", err)
		}
	case *asJSON:
		e.ui.json(res)
	default:
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
