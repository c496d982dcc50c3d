package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook"
)

func runCheck(e *env) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", workbook.DefaultCheckTimeout, "time limit for the test run")
	noSpeedup := fs.Bool("no-speedup", false, "skip measuring the speedup")
	noRace := fs.Bool("no-race", false, "run without the race detector")
	noLeakProfile := fs.Bool("no-leak-profile", false, "build without the goroutine-leak profile (goleak still runs)")
	pos, err := parseArgs(fs, e.args)
	if err != nil {
		return e.ui.errorf("check: %v", err)
	}
	w, err := openWorkbook()
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	x, err := currentExercise(e, w, pos, "check [<exercise>]")
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	return checkOnce(e, w, x, workbook.CheckOptions{Timeout: *timeout, Speedup: !*noSpeedup, NoRace: *noRace, NoLeakProfile: *noLeakProfile}, *asJSON)
}

// checkOnce checks x's practice copy and prints the result; its exit status
// is 0 only when everything passes.
func checkOnce(e *env, w *workbook.Workbook, x *workbook.Exercise, opts workbook.CheckOptions, asJSON bool) int {
	if !asJSON {
		opts.Progress = e.ui.step
		e.ui.printf("Checking %s (%s/%s)\n", e.ui.bold(x.Info.Title), workbook.PracticeDir, x.Info.Dir)
	}
	res, err := w.CheckExercise(e.ctx, x, opts)
	if err != nil {
		return e.ui.errorf("%v", err)
	}
	svg := ""
	if spans := timelineOf(res.Properties); len(spans) > 0 {
		svg = filepath.Join(w.PracticePath(x), "timeline.svg")
		if err := os.WriteFile(svg, workbook.TimelineSVGWith(x.Info.Title, spans, workbook.TimelineOptions{Limits: workbook.LimitsFromResults(res.Properties, spans)}), 0o644); err != nil {
			return e.ui.errorf("write timeline: %v", err)
		}
	}
	if asJSON {
		e.ui.json(res)
	} else {
		printCheck(e.ui, w, x, res, svg)
	}
	if !res.Passed {
		return 1
	}
	return 0
}

// timelineOf picks the spans to draw: those of the first concurrency
// property that recorded any, else of the first property that did.
func timelineOf(results []suite.Result) []simworld.Span {
	for _, wantConc := range []bool{true, false} {
		for _, r := range results {
			if len(r.Timeline) > 0 && (r.Concurrency || !wantConc) {
				return r.Timeline
			}
		}
	}
	return nil
}

func printCheck(u *ui, w *workbook.Workbook, x *workbook.Exercise, res *workbook.CheckResult, svg string) {
	rel := func(p string) string {
		if r, err := filepath.Rel(w.Root(), p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	if len(res.BuildErrors) > 0 {
		u.printf("\n%s your copy does not compile:\n", u.red("FAIL"))
		for _, b := range res.BuildErrors {
			u.printf("  %s\n", b)
		}
		return
	}
	if res.TimedOut {
		u.printf("\n%s the tests did not finish in time: Solve hangs (a goroutine waits forever, or ctx is ignored)\n", u.red("FAIL"))
	}
	if res.Stopped != "" {
		u.printf("\n%s %s\n", u.red("FAIL"), res.Stopped)
	}
	if len(res.Properties) > 0 {
		u.printf("\nProperties\n")
		width := 0
		for _, p := range res.Properties {
			width = max(width, len(p.Property))
		}
		for _, p := range res.Properties {
			u.printf("  %s %-*s  %s\n", u.mark(p.Pass), width, p.Property, u.dim(p.Description))
			u.printf("       observed: %s\n", p.Observed)
			for _, at := range p.Where {
				u.printf("       at %s:%d  %s\n", rel(at.File), at.Line, at.Note)
			}
		}
	} else if !res.TimedOut && res.Stopped == "" {
		u.printf("\n%s the property suite did not run; the test output was:\n%s\n", u.red("FAIL"), res.Output)
	}
	if len(res.Races) > 0 {
		u.printf("\nData races (found by the race detector)\n")
		for _, r := range res.Races {
			during := ""
			if r.Property != "" {
				during = " during " + r.Property
			}
			for i, a := range r.Accesses {
				prefix := "  "
				if i > 0 {
					prefix = "    races with "
				}
				started := ""
				if a.CreatedFile != "" {
					started = fmt.Sprintf(", in the goroutine started at %s:%d", rel(a.CreatedFile), a.CreatedLine)
				}
				u.printf("%s%s:%d  %s in %s%s\n", prefix, rel(a.File), a.Line, accessKind(a), a.Function, started)
			}
			if during != "" {
				u.printf("    %s\n", u.dim("seen"+during))
			}
		}
	}
	if len(res.Leaks) > 0 {
		u.printf("\nLeaked goroutines\n")
		for _, l := range res.Leaks {
			during := ""
			if l.Property != "" {
				during = " after " + l.Property
			}
			if l.Proven() {
				what := l.BlockedOn
				if what == "" {
					what = l.State
				}
				u.printf("  %s:%d  started %s blocked forever on %s (proven by the goroutine-leak profile%s)\n", rel(l.File), l.Line, plural(l.Count, "goroutine", "goroutines"), what, during)
				continue
			}
			u.printf("  %s:%d  started %s still running after the tests, %s in %s (goleak)\n", rel(l.File), l.Line, plural(l.Count, "goroutine", "goroutines"), l.State, l.Function)
		}
	}
	for _, n := range res.Notes {
		u.printf("\n%s %s\n", u.dim("note:"), n)
	}
	if len(res.Findings) > 0 {
		u.printf("\nAnalyzer findings\n")
		for _, f := range res.Findings {
			u.printf("  %s:%d:%d  %s: %s\n", rel(f.File), f.Line, f.Col, f.Analyzer, f.Message)
		}
	}
	if sp := res.Speedup; sp != nil && sp.Error == "" && sp.Measured > 0 {
		u.printf("\nSpeedup: %.1fx against the sequential version (ideal %.1fx: %.0f%% of it)\n", sp.Measured, sp.Ideal, 100*sp.Measured/sp.Ideal)
	}
	if spans := timelineOf(res.Properties); len(spans) > 0 {
		u.printf("\nTimeline (calls in flight per resource over time)\n%s", workbook.TimelineText(spans, 60))
		if svg != "" {
			u.printf("Timeline drawn in %s\n", rel(svg))
		}
	}
	u.printf("\n")
	if res.Passed {
		u.printf("%s every property holds, no races, no leaks, no findings (%v). See the reference: asyncbook solution %s\n",
			u.green("PASSED"), res.Duration.Round(time.Second), x.Info.Slug)
		return
	}
	failed := suite.Failed(res.Properties)
	var why []string
	if len(failed) > 0 {
		verb := "fail"
		if len(failed) == 1 {
			verb = "fails"
		}
		noun := "properties"
		if len(res.Properties) == 1 {
			noun = "property"
		}
		why = append(why, fmt.Sprintf("%d of %d %s %s", len(failed), len(res.Properties), noun, verb))
	}
	if len(res.Races) > 0 {
		why = append(why, plural(len(res.Races), "data race", "data races"))
	}
	if len(res.Leaks) > 0 {
		why = append(why, plural(len(res.Leaks), "leaked goroutine", "leaked goroutines"))
	}
	if len(res.Findings) > 0 {
		why = append(why, plural(len(res.Findings), "analyzer finding", "analyzer findings"))
	}
	if res.TimedOut {
		why = append(why, "timed out")
	}
	if res.Stopped != "" {
		why = append(why, "stopped by a limit")
	}
	u.printf("%s %s. Stuck? asyncbook hint %s\n", u.red("NOT YET"), strings.Join(why, ", "), x.Info.Slug)
}

func accessKind(a workbook.Access) string {
	if a.Write {
		return "write"
	}
	return "read"
}
