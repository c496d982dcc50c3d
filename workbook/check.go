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
}

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

	step("running the property suite with goleak", 10)
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
	res.Passed = len(res.BuildErrors) == 0 && !res.TimedOut && len(res.Leaks) == 0 &&
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
	if !opts.Speedup {
		args = append(args, "-run", "TestProperties")
	}
	// A margin past go test's own timeout, which prints every goroutine's
	// stack, for a test binary that cannot even be interrupted.
	runCtx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "go", append(args, pkg)...)
	cmd.Dir = w.root
	cmd.Env = append(os.Environ(), suite.ReportEnv+"="+reportPath, suite.SpeedupEnv+"="+speedupPath)
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
	if b, err := os.ReadFile(reportPath); err == nil {
		var rep suite.Report
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
	res.Leaks = ParseLeaks(res.Output)
	return nil
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
