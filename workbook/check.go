package workbook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Finding is an analyzer's finding in a practice copy: the driver's one
// Finding type (flat in JSON: analyzer, category, severity, file, line,
// col, message, url, ...).
type Finding = driver.Finding

// CheckResult is what checking a practice copy found.
type CheckResult struct {
	Exercise    string               `json:"exercise"`
	Passed      bool                 `json:"passed"`
	BuildErrors []string             `json:"build_errors,omitempty"`
	TimedOut    bool                 `json:"timed_out,omitempty"`
	Properties  []suite.Result       `json:"properties"`
	Leaks       []Leak               `json:"leaks,omitempty"`
	Races       []Race               `json:"races,omitempty"`
	Findings    []Finding            `json:"findings,omitempty"`
	Speedup     *suite.SpeedupReport `json:"speedup,omitempty"`
	Duration    time.Duration        `json:"duration"`
	// Output is the test run's output, for a learner who wants all of it.
	Output string `json:"-"`

	// Detectors are the dynamic detectors the test run had: "race",
	// DetectorLeakProfile, DetectorGoleak.
	Detectors []string `json:"detectors,omitempty"`
	// Notes say what the run could not do (a toolchain without the
	// goroutine-leak profile).
	Notes []string `json:"notes,omitempty"`

	// Suppressed are the analyzers' findings that an //asyncvet:ignore
	// directive silenced (not counted against a pass).
	Suppressed []Finding `json:"suppressed,omitempty"`
}

// ProgressFunc is told the steps of a check as they start, with a percentage.
type ProgressFunc func(step string, percent int)

// CheckOptions tune a check.
type CheckOptions struct {
	Timeout time.Duration // for the test run; zero means DefaultCheckTimeout
	Speedup bool          // also measure the speedup against the sequential version
	// Settings choose the analyzers, on top of the workspace's
	// .asyncbook.json (the editor sends its own with a check).
	Settings driver.Settings
	Progress ProgressFunc
	// NoRace runs the suite without the race detector (by default it runs
	// with it, and a race fails the property NoRaceProperty).
	NoRace bool
	// NoLeakProfile builds the suite without the goroutine-leak profile
	// (by default it is built with GOEXPERIMENT=goroutineleakprofile when
	// the toolchain has it; goleak runs either way).
	NoLeakProfile bool
}

// NoRaceProperty is the property a data race seen while the suite ran
// fails.
const NoRaceProperty = "no-data-races"

// LeakProfileExperiment is the GOEXPERIMENT that gives a test binary the
// goroutine-leak profile (Go 1.26).
const LeakProfileExperiment = "goroutineleakprofile"

// DefaultCheckTimeout bounds a check's test run.
const DefaultCheckTimeout = 3 * time.Minute

// Check checks the exercise's practice copy (tests with goleak, the
// property suite, the analyzers), records progress and returns the result.
// The signature is the one the language server uses.
func (w *Workbook) Check(ctx context.Context, slug string, progress func(step string, percent int)) (*CheckResult, error) {
	e, err := w.Lookup(slug)
	if err != nil {
		return nil, err
	}
	return w.CheckExercise(ctx, e, CheckOptions{Speedup: true, Progress: progress})
}

// ErrNoPractice is wrapped when an exercise has no practice copy yet.
var ErrNoPractice = errors.New("no practice copy")

// CheckExercise checks the exercise's practice copy and records progress.
func (w *Workbook) CheckExercise(ctx context.Context, e *Exercise, opts CheckOptions) (*CheckResult, error) {
	dir := w.PracticePath(e)
	if _, err := os.Stat(filepath.Join(dir, SolveFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w of %s: run `asyncbook start %s` first", ErrNoPractice, e.Info.Slug, e.Info.Slug)
	}
	res, err := w.CheckDir(ctx, e, dir, opts)
	if err != nil {
		return nil, err
	}
	if _, err := w.UpdateProgress(e.Info.Slug, func(p *Progress) {
		p.Checks++
		p.LastCheck = time.Now()
		p.LastPassed = res.Passed
		if res.Passed && p.Passed.IsZero() {
			p.Passed = p.LastCheck
		}
	}); err != nil {
		return res, err
	}
	return res, nil
}

// CheckDir checks the practice package in dir (below the workspace root)
// against the exercise: `go test` runs the property suite under goleak with a
// time limit, then the analyzers run over the package.
func (w *Workbook) CheckDir(ctx context.Context, e *Exercise, dir string, opts CheckOptions) (*CheckResult, error) {
	start := time.Now()
	step := func(s string, pct int) {
		if opts.Progress != nil {
			opts.Progress(s, pct)
		}
	}
	rel, err := filepath.Rel(w.root, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("check %s: the practice folder must be inside the workspace %s", dir, w.root)
	}
	res := &CheckResult{Exercise: e.Info.Slug}
	tmp, err := os.MkdirTemp("", "asyncbook-check-")
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Info.Slug, err)
	}
	defer os.RemoveAll(tmp)

	step(progressLine(opts), 10)
	if err := w.runTests(ctx, "./"+filepath.ToSlash(rel), tmp, opts, res); err != nil {
		return nil, err
	}
	if len(res.BuildErrors) == 0 {
		step("running the analyzers", 70)
		a, err := Analyze(ctx, w.root, "./"+filepath.ToSlash(rel), opts.Settings)
		if err != nil {
			return nil, err
		}
		res.Findings, res.Suppressed = a.Findings, a.Suppressed
	}
	step("done", 100)
	res.Passed = len(res.BuildErrors) == 0 && !res.TimedOut && len(res.Leaks) == 0 && len(res.Races) == 0 &&
		len(res.Findings) == 0 && len(res.Properties) > 0 && len(suite.Failed(res.Properties)) == 0
	res.Duration = time.Since(start)
	return res, nil
}

// buildError matches a compiler error line: "path/file.go:12:3: message".
var buildError = regexp.MustCompile(`(?m)^(\S+\.go:\d+(?::\d+)?: .*)$`)

func (w *Workbook) runTests(ctx context.Context, pkg, tmp string, opts CheckOptions, res *CheckResult) error {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultCheckTimeout
	}
	reportPath := filepath.Join(tmp, "report.json")
	speedupPath := filepath.Join(tmp, "speedup.json")
	args := []string{"test", "-count=1", "-timeout", timeout.String(), "-v"}
	if !opts.NoRace {
		args = append(args, "-race")
		res.Detectors = append(res.Detectors, "race")
	}
	env := append(os.Environ(), suite.ReportEnv+"="+reportPath, suite.SpeedupEnv+"="+speedupPath)
	if !opts.NoLeakProfile {
		if exp, err := withLeakProfile(ctx, w.root); err != nil {
			res.Notes = append(res.Notes, err.Error())
		} else {
			env = append(env, "GOEXPERIMENT="+exp)
		}
	}
	if !opts.Speedup {
		args = append(args, "-run", "TestProperties")
	}
	// A margin past go test's own timeout, which prints every goroutine's
	// stack, for a test binary that cannot even be interrupted.
	runCtx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "go", append(args, pkg)...)
	cmd.Dir = w.root
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	res.Output = out.String()
	if ctx.Err() != nil {
		return fmt.Errorf("check %s: %w", res.Exercise, ctx.Err())
	}
	if runCtx.Err() != nil || strings.Contains(res.Output, "panic: test timed out after") {
		res.TimedOut = true
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return fmt.Errorf("check %s: run go test: %w", res.Exercise, runErr)
	}
	if strings.Contains(res.Output, "[build failed]") || strings.Contains(res.Output, "[setup failed]") {
		for _, m := range buildError.FindAllString(res.Output, -1) {
			res.BuildErrors = append(res.BuildErrors, m)
		}
		if len(res.BuildErrors) == 0 {
			res.BuildErrors = []string{strings.TrimSpace(res.Output)}
		}
		return nil
	}
	var rep suite.Report
	if b, err := os.ReadFile(reportPath); err == nil {
		if err := json.Unmarshal(b, &rep); err != nil {
			return fmt.Errorf("check %s: read the suite's report: %w", res.Exercise, err)
		}
		res.Properties = rep.Results
	}
	if b, err := os.ReadFile(speedupPath); err == nil {
		var sp suite.SpeedupReport
		if json.Unmarshal(b, &sp) == nil {
			res.Speedup = &sp
		}
	}
	dir := filepath.Join(w.root, filepath.FromSlash(strings.TrimPrefix(pkg, "./")))
	dynamicEvidence(res, rep, dir, !opts.NoRace)
	return nil
}

// dynamicEvidence fills res with what the run's detectors saw in dir's
// code: the goroutines the leak profile proved leaked (per property), the
// ones goleak still found running that the profile did not prove, and the
// data races, as the failed property NoRaceProperty.
func dynamicEvidence(res *CheckResult, rep suite.Report, dir string, race bool) {
	proven := map[string]bool{}
	if rep.LeakProfile {
		res.Detectors = append(res.Detectors, DetectorLeakProfile)
	}
	for _, l := range rep.Leaked {
		res.Leaks = append(res.Leaks, parseLeakProfile(l.Stacks, l.Property, dir)...)
		for id := range profileIDs(l.Stacks) {
			proven[id] = true
		}
	}
	res.Detectors = append(res.Detectors, DetectorGoleak)
	res.Leaks = append(res.Leaks, parseGoleak(res.Output, proven, dir)...)
	res.Races = parseRaces(res.Output, dir)
	if !race || len(res.Properties) == 0 && len(res.Races) == 0 {
		return
	}
	res.Properties = append(res.Properties, raceProperty(res.Races, dir))
}

// raceProperty is the result of NoRaceProperty: it fails with the races'
// places in its Observed text (its Where stays empty: the races
// themselves, in CheckResult.Races, place both accesses).
func raceProperty(races []Race, dir string) suite.Result {
	r := suite.Result{Property: NoRaceProperty, Pattern: "shared memory under a lock, or ownership passed on a channel",
		Description: "no data race: the race detector sees no unsynchronised access to shared memory while the suite runs",
		Concurrency: true, Pass: len(races) == 0, Observed: "the race detector saw no data race"}
	if len(races) == 0 {
		return r
	}
	var parts []string
	for _, race := range races {
		var sides []string
		for _, a := range race.Accesses {
			kind := "read"
			if a.Write {
				kind = "write"
			}
			file := a.File
			if rel, err := filepath.Rel(dir, a.File); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
			}
			sides = append(sides, fmt.Sprintf("%s at %s:%d", kind, file, a.Line))
		}
		during := ""
		if race.Property != "" {
			during = " (during " + race.Property + ")"
		}
		parts = append(parts, strings.Join(sides, " races with ")+during)
	}
	r.Observed = fmt.Sprintf("%d data race(s): %s", len(races), strings.Join(parts, "; "))
	return r
}

// withLeakProfile returns the GOEXPERIMENT value that adds the
// goroutine-leak profile to the environment's, or an error saying that the
// toolchain does not have it.
func withLeakProfile(ctx context.Context, dir string) (string, error) {
	exp := LeakProfileExperiment
	if cur := os.Getenv("GOEXPERIMENT"); cur != "" {
		exp = cur + "," + exp
	}
	cmd := exec.CommandContext(ctx, "go", "env", "GOEXPERIMENT")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOEXPERIMENT="+exp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("this Go toolchain has no GOEXPERIMENT=%s (Go 1.26 or later): leaks are found by goleak only, without proof (%s)",
			LeakProfileExperiment, strings.TrimSpace(string(out)))
	}
	return exp, nil
}

// progressLine says what the test run does, and that building it the
// first time is slow.
func progressLine(opts CheckOptions) string {
	switch {
	case !opts.NoRace:
		return "building with the race detector (first time is slow), then running the property suite"
	case !opts.NoLeakProfile:
		return "building with the goroutine-leak profile (first time is slow), then running the property suite"
	}
	return "running the property suite with goleak"
}

// Analyze runs the analyzers over the package pkg (a pattern relative to
// dir) as check and grade do: the driver's suite, the settings files of the
// workspace with settings on top, test files left out (the practice copy's
// test is the harness's). A package that does not load is an error.
func Analyze(ctx context.Context, dir, pkg string, settings driver.Settings) (*driver.Result, error) {
	r, err := driver.Run(ctx, driver.Config{
		LoadConfig: driver.LoadConfig{Dir: dir, Patterns: []string{pkg}},
		Options:    driver.Options{Settings: settings},
	})
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", pkg, err)
	}
	if len(r.SettingsErrors) > 0 {
		return nil, fmt.Errorf("analyze %s: %w", pkg, errors.Join(r.SettingsErrors...))
	}
	return r, nil
}
