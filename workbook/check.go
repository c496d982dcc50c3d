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

	"golang.org/x/sync/errgroup"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook/sandbox"
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
	// goroutine-leak profile, no sandbox).
	Notes []string `json:"notes,omitempty"`
	// Sandbox is what isolated the test run: "bubblewrap", or "none" where
	// no sandbox could start (then a note says why).
	Sandbox string `json:"sandbox,omitempty"`
	// Stopped says why the test run was stopped before it ended, when a
	// limit did it: too much output, memory or CPU time.
	Stopped string `json:"stopped,omitempty"`

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
// against the exercise: the analyzers run over the package while its test
// binary builds (`go test -c`, with go test's vet checks), then the binary
// runs the property suite under goleak with a time limit.
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
	// The test binary runs in the sandbox, perhaps as nobody: its folder
	// must be reachable by others (see scratchBase).
	tmp, err := os.MkdirTemp(scratchBase(), "asyncbook-check-")
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Info.Slug, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Info.Slug, err)
	}

	pattern := "./" + filepath.ToSlash(rel)
	runCtx, cancel := context.WithTimeout(ctx, runTimeout(opts))
	defer cancel()
	step(progressLine(opts), 10)
	// The analyzers need nothing from the test binary, so they run while it
	// builds (both mostly wait on the CPU, the build on a warm cache mostly
	// links). The suite runs only when both are done, alone, as before: the
	// analyzers' work must not slow the properties or skew the speedup.
	var (
		analysis    *driver.Result
		analysisErr error
		bin         string
	)
	g, gctx := errgroup.WithContext(runCtx)
	actx, cancelAnalysis := context.WithCancel(gctx)
	defer cancelAnalysis()
	g.Go(func() error {
		// Its error counts only for a copy that builds (see below), as
		// when the analyzers ran after the tests.
		analysis, analysisErr = Analyze(actx, w.root, pattern, opts.Settings)
		return nil
	})
	g.Go(func() error {
		var err error
		bin, err = w.buildTests(gctx, pattern, tmp, opts, res)
		if err != nil || len(res.BuildErrors) > 0 {
			cancelAnalysis() // a copy that does not build gets no findings
		}
		return err
	})
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("check %s: %w", e.Info.Slug, ctx.Err())
		}
		return nil, err
	}
	if len(res.BuildErrors) == 0 {
		if analysisErr != nil {
			return nil, analysisErr
		}
		res.Findings, res.Suppressed = analysis.Findings, analysis.Suppressed
		step("running the property suite", 40)
		if err := w.runTests(ctx, runCtx, bin, pattern, tmp, opts, res); err != nil {
			return nil, err
		}
	}
	step("done", 100)
	res.Passed = len(res.BuildErrors) == 0 && !res.TimedOut && res.Stopped == "" && len(res.Leaks) == 0 && len(res.Races) == 0 &&
		len(res.Findings) == 0 && len(res.Properties) > 0 && len(suite.Failed(res.Properties)) == 0
	res.Duration = time.Since(start)
	return res, nil
}

// buildError matches a compiler error line: "path/file.go:12:3: message".
var buildError = regexp.MustCompile(`(?m)^(\S+\.go:\d+(?::\d+)?: .*)$`)

// buildOutOfMemory says that a build went past sandbox.BuildMemory.
var buildOutOfMemory = fmt.Sprintf("the build ran out of memory (the compiler and linker may use %d GiB each)", sandbox.BuildMemory>>30)

// runTimeout bounds a check's build and test run together: the test
// run's own time limit, and a margin past it for the build (a cold one
// rebuilds the standard library) and for a test binary that cannot even
// be interrupted (the testing package's timeout prints every goroutine's
// stack first).
func runTimeout(opts CheckOptions) time.Duration { return testTimeout(opts) + time.Minute }

func testTimeout(opts CheckOptions) time.Duration {
	if opts.Timeout == 0 {
		return DefaultCheckTimeout
	}
	return opts.Timeout
}

// buildTests builds the practice package's test binary into tmp, as
// `go test` would build it (with -race and the goroutine-leak profile
// unless opts say otherwise, and go test's vet checks), and returns its
// path. A copy that does not build (or fails vet) gets res.BuildErrors and
// no binary.
func (w *Workbook) buildTests(ctx context.Context, pkg, tmp string, opts CheckOptions, res *CheckResult) (string, error) {
	bin := filepath.Join(tmp, "practice.test")
	// -s -w as go test links the binaries it runs: no symbol table or
	// DWARF, which stack traces and race reports do not need (they read the
	// pclntab), and a faster link.
	// -trimpath keeps the workspace's folder out of what is compiled, so a
	// copy of the workspace elsewhere (a second clone, the tests' copies)
	// reuses the build cache; file names in stacks then read as import
	// paths, and runTests maps them back (see untrimStacks).
	args := []string{"test", "-c", "-o", bin, "-ldflags=-s -w", "-trimpath"}
	if !opts.NoRace {
		args = append(args, "-race")
		res.Detectors = append(res.Detectors, "race")
	}
	env := os.Environ()
	if !opts.NoLeakProfile {
		if exp, err := withLeakProfile(ctx, w.root); err != nil {
			res.Notes = append(res.Notes, err.Error())
		} else {
			env = append(env, "GOEXPERIMENT="+exp)
		}
	}
	// go and the compilers and linker it started go together on cancel,
	// each with a memory cap.
	cmd := sandbox.Command(ctx, sandbox.BuildMemory, "go", append(args, pkg)...)
	cmd.Dir, cmd.Env = w.root, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			res.Output = out.String()
			res.BuildErrors = []string{fmt.Sprintf("the build did not finish within %v", runTimeout(opts))}
			return "", nil
		}
		return "", fmt.Errorf("check %s: build the tests: %w", res.Exercise, ctx.Err())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return "", fmt.Errorf("check %s: run go test -c: %w", res.Exercise, runErr)
	}
	if runErr != nil {
		res.Output = out.String()
		res.BuildErrors = buildError.FindAllString(res.Output, -1)
		if sandbox.OutOfMemory(res.Output) {
			res.BuildErrors = append([]string{buildOutOfMemory}, res.BuildErrors...)
		}
		if len(res.BuildErrors) == 0 {
			res.BuildErrors = []string{strings.TrimSpace(res.Output)}
		}
		return "", nil
	}
	return bin, nil
}

// runTests runs the test binary bin of the practice package pkg in the
// sandbox (with the limits grade uses), as go test would run it, and reads
// what the suite reported into a folder the sandbox may write. Where no
// sandbox starts, it runs with the same limits and an empty environment
// but unisolated, and a note says so. runCtx bounds the run (see
// runTimeout); ctx is the caller's.
func (w *Workbook) runTests(ctx, runCtx context.Context, bin, pkg, tmp string, opts CheckOptions, res *CheckResult) error {
	runner, err := sandbox.Detect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("check %s: %w", res.Exercise, ctx.Err())
		}
		runner = sandbox.Unsandboxed()
		res.Notes = append(res.Notes, fmt.Sprintf("your code ran without a sandbox: %v", err))
	}
	res.Sandbox = runner.Name()
	outDir := filepath.Join(tmp, "out")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		return fmt.Errorf("check %s: %w", res.Exercise, err)
	}
	reportPath := filepath.Join(outDir, "report.json")
	speedupPath := filepath.Join(outDir, "speedup.json")
	timeout := testTimeout(opts)
	args := []string{"-test.paniconexit0", "-test.count=1", "-test.timeout=" + timeout.String(), "-test.v=true"}
	if !opts.Speedup {
		args = append(args, "-test.run=TestProperties")
	}
	env := []string{suite.ReportEnv + "=" + reportPath, suite.SpeedupEnv + "=" + speedupPath}
	// The learner's runtime settings still apply (GOMAXPROCS=1 to see
	// their code on one core); nothing else of their environment does.
	for _, k := range []string{"GOMAXPROCS", "GODEBUG", "GOTRACEBACK"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if !opts.NoRace {
		// The race runtime sleeps a second at exit (atexit_sleep_ms=1000)
		// for the goroutines still running to report their races. goleak's
		// TestMain has already waited for them and failed the run if any
		// were left; races they make then still fail no-data-races.
		env = append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	run, err := runner.Run(runCtx, sandbox.Spec{
		Path: bin, Args: args, Env: env, Writable: outDir,
		Limits: sandbox.Limits{Wall: timeout + 30*time.Second, CPU: 2*timeout + time.Minute},
	})
	if ctx.Err() != nil {
		return fmt.Errorf("check %s: %w", res.Exercise, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("check %s: run the tests: %w", res.Exercise, err)
	}
	res.Output = string(run.Output)
	if run.TimedOut || run.Canceled || strings.Contains(res.Output, "panic: test timed out after") {
		res.TimedOut = true
	} else if _, why := limitExceeded(run); why != "" {
		res.Stopped = "your code " + why
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
	// The binary was built with -trimpath: its stacks name the module's
	// files by import path, and the parsers, the CLI and the editor read
	// the workspace's files.
	res.Output = untrimStacks(res.Output, w.root)
	for i := range rep.Leaked {
		rep.Leaked[i].Stacks = untrimStacks(rep.Leaked[i].Stacks, w.root)
	}
	for _, p := range res.Properties {
		for i := range p.Where {
			p.Where[i].File = untrimFile(p.Where[i].File, w.root)
		}
	}
	dir := filepath.Join(w.root, filepath.FromSlash(strings.TrimPrefix(pkg, "./")))
	dynamicEvidence(res, rep, dir, !opts.NoRace)
	return nil
}

// trimmedFrame matches a file line of a stack or race report of a binary
// built with -trimpath that names a file of this module by import path.
var trimmedFrame = regexp.MustCompile(`(?m)^(\s+)` + regexp.QuoteMeta(ModulePath) + `/(\S+\.go:\d+)`)

// untrimStacks rewrites the module's files in the stacks of s (a test
// binary's output, a leak profile) as files under root, the module's copy
// the binary was built from.
func untrimStacks(s, root string) string {
	return trimmedFrame.ReplaceAllString(s, "${1}"+filepath.ToSlash(root)+"/${2}")
}

// untrimFile is untrimStacks for one file name.
func untrimFile(f, root string) string {
	if rest, ok := strings.CutPrefix(f, ModulePath+"/"); ok {
		return filepath.Join(root, filepath.FromSlash(rest))
	}
	return f
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

// progressLine says what the first step of a check does (build the tests
// while the analyzers run), and that building with the race detector or
// the goroutine-leak profile the first time is slow.
func progressLine(opts CheckOptions) string {
	switch {
	case !opts.NoRace:
		return "building with the race detector (first time is slow) while the analyzers run"
	case !opts.NoLeakProfile:
		return "building with the goroutine-leak profile (first time is slow) while the analyzers run"
	}
	return "building the tests while the analyzers run"
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
