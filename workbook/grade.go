package workbook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook/sandbox"
)

// GradeSchemaVersion is the version of GradeReport's JSON shape, documented
// in docs/grade-report.md.
const GradeSchemaVersion = 1

// GradeReport is the result of grading a solution submission.
type GradeReport struct {
	Schema     int            `json:"schema"`
	Exercise   string         `json:"exercise"`
	Submission string         `json:"submission"`
	Passed     bool           `json:"passed"`
	Score      int            `json:"score"`  // 0..100
	Reason     string         `json:"reason"` // one line: why it failed, or "all checks passed"
	Properties []suite.Result `json:"properties"`
	Leaks      []Leak         `json:"leaks"`
	// Races are the data races the race detector saw while the suite ran
	// (the binary is built with -race); each also fails no-data-races.
	Races       []Race               `json:"races,omitempty"`
	Findings    []Finding            `json:"findings"`
	Speedup     *suite.SpeedupReport `json:"speedup,omitempty"`
	BuildErrors []string             `json:"build_errors,omitempty"`
	Violations  []string             `json:"violations,omitempty"` // what the submission may not do
	TimedOut    bool                 `json:"timed_out"`
	DurationMS  int64                `json:"duration_ms"`
	// Verdict says in one word how grading ended (the Verdict constants);
	// Reason says it in a sentence.
	Verdict string `json:"verdict"`
	// Sandbox is what isolated the run: "bubblewrap", or "none" with
	// --unsafe-no-sandbox.
	Sandbox string `json:"sandbox,omitempty"`
	// ExitCode is the test binary's exit status (-1 when a signal ended
	// it); absent when it never ran.
	ExitCode *int `json:"exit_code,omitempty"`
	// Output is the end of the test binary's output (at most 4 KiB).
	Output string `json:"output,omitempty"`
}

// GradeOptions tune a grading run.
type GradeOptions struct {
	Timeout  time.Duration // for the test run; zero means DefaultGradeTimeout
	Progress ProgressFunc
	// UnsafeNoSandbox runs the submission without bubblewrap where it is
	// missing (limits, empty environment and process-group kill still
	// apply). Without it, Grade refuses to run untrusted code unsandboxed.
	UnsafeNoSandbox bool
	// NoRace builds the suite without the race detector: faster, blind to
	// data races (no no-data-races property in the report).
	NoRace bool
	// Limits bound the test run; zero fields take sandbox.DefaultLimits
	// (the wall clock is Timeout plus a margin).
	Limits sandbox.Limits

	skipPolicy  bool  // tests only: let a submission the policy refuses run, to test the layers behind it
	buildMemory int64 // tests only: the build's memory cap, sandbox.BuildMemory when zero
}

// DefaultGradeTimeout bounds a submission's test run.
const DefaultGradeTimeout = 2 * time.Minute

// Verdicts: why a grade ended as it did, one word each for CI.
const (
	VerdictPassed         = "passed"          // every check held
	VerdictFailed         = "failed"          // properties, leaks or findings say it does not pass
	VerdictEmpty          = "empty"           // no Go files
	VerdictForbidden      = "forbidden"       // the policy refused it: it never ran
	VerdictBuild          = "build-failed"    // it does not compile
	VerdictTimeout        = "timeout"         // it did not finish in time
	VerdictOutOfMemory    = "out-of-memory"   // it hit the memory cap
	VerdictCPU            = "cpu-limit"       // it hit the CPU-time cap
	VerdictOutput         = "output-limit"    // it wrote more than the output cap
	VerdictCrashed        = "crashed"         // it ended without the harness's report (panic, exit)
	VerdictForged         = "forged-report"   // the report channel held data the harness did not sign
	VerdictIncomplete     = "incomplete"      // the signed report lacks properties (tests skipped)
	VerdictExitMismatch   = "exit-mismatch"   // the exit status disagrees with the signed report
	VerdictSandboxMissing = "sandbox-missing" // grader failure: no sandbox, and --unsafe-no-sandbox not given
)

// GraderFailed reports whether the grade could not be given for a reason
// of the grader's, not of the submission's (the CLI exits 2).
func (r *GradeReport) GraderFailed() bool { return r.Verdict == VerdictSandboxMissing }

// Grade builds the submission with the exercise's grading harness, from a
// fresh copy of the exercise's packages outside the workspace, and runs the
// test binary in the sandbox under limits. The grade comes only from the
// binary's exit status and the report the harness signs over a descriptor
// the submission cannot reach; a submission that imports what it may not,
// does not compile, hangs, crashes, exhausts a limit or forges a report
// gets a failing report with its verdict and reason. Grade's error is for
// the grader's own failures.
func (w *Workbook) Grade(ctx context.Context, e *Exercise, submission string, opts GradeOptions) (*GradeReport, error) {
	start := time.Now()
	rep := &GradeReport{Schema: GradeSchemaVersion, Exercise: e.Info.Slug, Submission: submission, Properties: []suite.Result{}, Leaks: []Leak{}, Findings: []Finding{}}
	defer func() { rep.DurationMS = time.Since(start).Milliseconds() }()
	step := func(s string, pct int) {
		if opts.Progress != nil {
			opts.Progress(s, pct)
		}
	}
	files, others, err := submissionFiles(submission)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && len(others) == 0 {
		rep.Verdict = VerdictEmpty
		rep.Reason = fmt.Sprintf("the submission %s has no Go files (it needs a solve.go with func Solve)", submission)
		return rep, nil
	}
	policy := exercisePolicy(e, filepath.Join(w.root, "exercises", e.Info.Dir))
	if !opts.skipPolicy {
		if rep.Violations = sourceViolations(policy, files, others); len(rep.Violations) > 0 {
			rep.Verdict, rep.Reason = VerdictForbidden, "the submission may not do this: "+rep.Violations[0]
			return rep, nil
		}
	}
	runner, err := gradeRunner(ctx, opts.UnsafeNoSandbox)
	if err != nil {
		rep.Verdict = VerdictSandboxMissing
		rep.Reason = fmt.Sprintf("refusing to run untrusted code: %v (pass --unsafe-no-sandbox to run it without one)", err)
		return rep, nil
	}
	rep.Sandbox = runner.Name()

	step("copying the exercise", 5)
	tmp, err := os.MkdirTemp(scratchBase(), "asyncbook-grade-")
	if err != nil {
		return nil, fmt.Errorf("grade %s: %w", e.Info.Slug, err)
	}
	defer os.RemoveAll(tmp)
	mod := filepath.Join(tmp, "mod")
	if err := w.freshCopy(ctx, e, mod); err != nil {
		return nil, err
	}
	subRel := PracticeDir + "/" + e.Info.Dir
	subDir := filepath.Join(mod, filepath.FromSlash(subRel))
	if err := writeGradingPackage(e, subDir, ModulePath+"/"+subRel, files); err != nil {
		return nil, err
	}
	if !opts.skipPolicy {
		step("checking imports", 10)
		if rep.Violations, err = loadViolations(ctx, mod, "./"+subRel, exercisePolicy(e, filepath.Join(mod, "exercises", e.Info.Dir))); err != nil {
			return nil, err
		}
		for i := range rep.Violations {
			rep.Violations[i] = strings.ReplaceAll(rep.Violations[i], subDir+string(filepath.Separator), "")
		}
		if len(rep.Violations) > 0 {
			rep.Verdict, rep.Reason = VerdictForbidden, "the submission may not do this: "+rep.Violations[0]
			return rep, nil
		}
	}

	if !opts.NoRace {
		if err := raceCompiler(ctx, mod); err != nil {
			return nil, err
		}
	}
	step("building the tests", 15)
	want, err := propertyNames(ctx, e, mod)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(tmp, "bin", "grade.test")
	buildMemory := opts.buildMemory
	if buildMemory == 0 {
		buildMemory = sandbox.BuildMemory
	}
	if rep.BuildErrors, err = buildHarness(ctx, mod, "./"+subRel, bin, !opts.NoRace, buildMemory); err != nil {
		return nil, err
	}
	// A root grader runs the binary as nobody: the way to it must be open.
	for _, d := range []string{tmp, filepath.Dir(bin)} {
		if err := os.Chmod(d, 0o755); err != nil && len(rep.BuildErrors) == 0 {
			return nil, fmt.Errorf("grade: %w", err)
		}
	}
	if len(rep.BuildErrors) > 0 {
		for i := range rep.BuildErrors {
			for _, prefix := range []string{subDir + string(filepath.Separator), subRel + "/", "./" + subRel + "/"} {
				rep.BuildErrors[i] = strings.ReplaceAll(rep.BuildErrors[i], prefix, "")
			}
		}
		rep.Verdict, rep.Reason = VerdictBuild, "does not compile: "+rep.BuildErrors[0]
		if rep.BuildErrors[0] == buildOutOfMemory {
			rep.Verdict, rep.Reason = VerdictOutOfMemory, buildOutOfMemory
		}
		return rep, nil
	}

	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultGradeTimeout
	}
	step("running the property suite in the sandbox", 25)
	run, signed, runErr, err := runHarness(ctx, runner, bin, timeout, opts.Limits)
	if err != nil {
		return nil, err
	}
	rep.Output = tail(string(run.Output), 4096)
	rep.ExitCode = &run.ExitCode
	if signed != nil {
		// Built with -trimpath: the module's files are named by import
		// path (see untrimStacks).
		for _, r := range signed.Results {
			for i := range r.Where {
				r.Where[i].File = relTo(subDir, untrimFile(r.Where[i].File, mod))
			}
			rep.Properties = append(rep.Properties, r)
		}
		for _, l := range ParseLeaks(untrimStacks(signed.Leaks, mod)) {
			l.File = relTo(subDir, l.File)
			rep.Leaks = append(rep.Leaks, l)
		}
		rep.Speedup = signed.Speedup
	}
	// The race detector writes its reports to the binary's output: they
	// are not signed, but a submission can only add races to its own
	// grade, never hide one (a race fails the test, and so the exit status).
	races := parseRaces(untrimStacks(string(run.Output), mod), subDir)
	for i := range races {
		for j := range races[i].Accesses {
			a := &races[i].Accesses[j]
			a.File, a.CreatedFile = relTo(subDir, a.File), relTo(subDir, a.CreatedFile)
		}
	}
	if v, why := runVerdict(run, signed, runErr, want, timeout, len(races) > 0); v != "" {
		rep.Verdict, rep.Reason = v, why
		rep.TimedOut = v == VerdictTimeout
		return rep, nil
	}

	if !opts.NoRace {
		rep.Races = races
		rep.Properties = append(rep.Properties, raceProperty(races, ""))
	}

	step("running the analyzers", 80)
	// The analyzers as the workspace's settings file (copied into the
	// fresh copy) chooses them; a submission brings no settings.
	a, err := Analyze(ctx, mod, "./"+subRel, driver.Settings{})
	if err != nil {
		return nil, err
	}
	// A submission does not silence its own findings.
	for _, f := range append(a.Findings, a.Suppressed...) {
		f.File = relTo(subDir, f.File)
		rep.Findings = append(rep.Findings, f)
	}
	step("done", 100)
	res := &CheckResult{Properties: rep.Properties, Leaks: rep.Leaks, Races: rep.Races, Findings: rep.Findings, Speedup: rep.Speedup}
	res.Passed = len(res.Leaks) == 0 && len(res.Races) == 0 && len(res.Findings) == 0 && len(suite.Failed(res.Properties)) == 0
	rep.Passed = res.Passed
	rep.Score = score(res)
	rep.Reason = reason(res, timeout)
	rep.Verdict = VerdictFailed
	if rep.Passed {
		rep.Verdict = VerdictPassed
	}
	return rep, nil
}

// runVerdict decides a run that did not end with a complete, signed,
// consistent report; "" when it did.
// raced says the race detector reported races, which fail the test binary
// without failing a property.
func runVerdict(run *sandbox.Result, signed *harnessReport, runErr error, want []string, timeout time.Duration, raced bool) (verdict, why string) {
	out := string(run.Output)
	// go test's own timeout prints every goroutine's stack, which may pass
	// the output limit: it is still a hang.
	if run.TimedOut || strings.Contains(out, "panic: test timed out after") {
		return VerdictTimeout, fmt.Sprintf("hangs: the tests did not finish within %v", timeout)
	}
	if v, why := limitExceeded(run); v != "" {
		return v, why
	}
	switch {
	case errors.Is(runErr, errForgedReport):
		return VerdictForged, "the report channel carried data the harness did not sign: the submission tried to forge its grade"
	case signed == nil:
		if i := strings.Index(out, "panic: "); i >= 0 {
			line, _, _ := strings.Cut(out[i:], "\n")
			return VerdictCrashed, "panicked: " + line
		}
		if i := strings.Index(out, "fatal error: "); i >= 0 {
			line, _, _ := strings.Cut(out[i:], "\n")
			return VerdictCrashed, "crashed: " + line
		}
		if run.Signal != "" {
			return VerdictCrashed, "the test binary was killed: " + run.Signal
		}
		return VerdictCrashed, fmt.Sprintf("the test binary exited with status %d before the harness reported", run.ExitCode)
	}
	if missing, extra := missingProperties(signed.Results, want); !signed.Ran || len(missing) > 0 || len(extra) > 0 {
		return VerdictIncomplete, fmt.Sprintf("the property suite did not run completely: missing %s", strings.Join(append(missing, extra...), ", "))
	}
	if run.ExitCode != signed.Code {
		return VerdictExitMismatch, fmt.Sprintf("the test binary exited with status %d, but the harness reported %d", run.ExitCode, signed.Code)
	}
	if signed.Code != 0 && len(suite.Failed(signed.Results)) == 0 && signed.Leaks == "" && !raced {
		return VerdictCrashed, fmt.Sprintf("the tests failed (exit status %d): %s", signed.Code, lastLine(out))
	}
	return "", ""
}

// limitExceeded says which of the sandbox's limits stopped the run, if one
// did: its verdict and why ("" when none).
func limitExceeded(run *sandbox.Result) (verdict, why string) {
	out := string(run.Output)
	switch {
	case run.OutputCut:
		return VerdictOutput, "wrote more output than the limit allows and was stopped"
	case strings.Contains(out, "runtime: out of memory") || strings.Contains(out, "fatal error: out of memory") ||
		strings.Contains(out, "cannot allocate memory") ||
		// Under -race, past the address-space cap, the runtime or the
		// race runtime (ENOMEM, errno 12) says so in its own words.
		strings.Contains(out, "too many address space collisions for -race mode") ||
		strings.Contains(out, "ThreadSanitizer failed to allocate"):
		return VerdictOutOfMemory, "ran out of memory: it used more than the memory limit"
	case run.Signal == syscall.SIGXCPU.String():
		return VerdictCPU, "used more CPU time than the limit allows and was stopped"
	}
	return "", ""
}

// gradeRunner returns the sandbox, or the unsandboxed runner when asked
// for and no sandbox is available.
func gradeRunner(ctx context.Context, unsafeOK bool) (*sandbox.Runner, error) {
	r, err := sandbox.Detect(ctx)
	if err == nil {
		return r, nil
	}
	if unsafeOK {
		return sandbox.Unsandboxed(), nil
	}
	return nil, err
}

// runHarness runs the harness binary with a fresh key and report channel,
// and returns how it ended with its signed report (nil when none, with the
// reason in runErr).
func runHarness(ctx context.Context, runner *sandbox.Runner, bin string, timeout time.Duration, lim sandbox.Limits) (*sandbox.Result, *harnessReport, error, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, nil, fmt.Errorf("grade: make a report key: %w", err)
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("grade: report channel: %w", err)
	}
	defer repR.Close()
	keyR, keyW, err := os.Pipe()
	if err != nil {
		repW.Close()
		return nil, nil, nil, fmt.Errorf("grade: key channel: %w", err)
	}
	_, err = keyW.Write(key)
	keyW.Close()
	if err != nil {
		repW.Close()
		keyR.Close()
		return nil, nil, nil, fmt.Errorf("grade: key channel: %w", err)
	}
	type read struct {
		b   []byte
		err error
	}
	got := make(chan read, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(repR, 64<<20))
		got <- read{b, err}
	}()
	if lim.Wall == 0 {
		lim.Wall = timeout + 30*time.Second
	}
	if lim.CPU == 0 {
		lim.CPU = 2*timeout + time.Minute
	}
	res, err := runner.Run(ctx, sandbox.Spec{
		Path:       bin,
		Args:       []string{"-test.run=^" + harnessTest + "$", "-test.count=1", "-test.timeout=" + timeout.String(), "-test.v=false", "-test.short=false"},
		ExtraFiles: []*os.File{repW, keyR}, Limits: lim,
	})
	repW.Close()
	keyR.Close()
	if err != nil {
		<-got
		return nil, nil, nil, fmt.Errorf("grade: %w", err)
	}
	r := <-got
	if res.Canceled {
		return nil, nil, nil, fmt.Errorf("grade: %w", ctx.Err())
	}
	if r.err != nil {
		return res, nil, r.err, nil
	}
	signed, rerr := readReport(r.b, key)
	return res, signed, rerr, nil
}

// freshCopy writes, under dst, a module with the workspace's go.mod and
// go.sum (and its analyzer settings, .asyncbook.json) and the Go and embedded files of the module's packages that the
// exercise and the suite depend on: what grading builds, and nothing a
// previous submission could have left beside it.
func (w *Workbook) freshCopy(ctx context.Context, e *Exercise, dst string) error {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=ImportPath,Dir,Module,GoFiles,EmbedFiles", ImportPath(e), ModulePath+"/exercises/suite")
	cmd.Dir = w.root
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("grade: list the exercise's packages: %w: %s", err, stderr.String())
	}
	for _, f := range []string{"go.mod", "go.sum", driver.SettingsFile} {
		err := copyFile(filepath.Join(w.root, f), filepath.Join(dst, f))
		if err != nil && !(f == driver.SettingsFile && errors.Is(err, fs.ErrNotExist)) {
			return fmt.Errorf("grade: copy %s: %w", f, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			Dir        string
			Module     *struct{ Path string }
			GoFiles    []string
			EmbedFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("grade: read the package list: %w", err)
		}
		if p.Module == nil || p.Module.Path != ModulePath {
			continue
		}
		rel, err := filepath.Rel(w.root, p.Dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("grade: package %s is outside the workspace", p.Dir)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			if err := copyFile(filepath.Join(p.Dir, f), filepath.Join(dst, rel, f)); err != nil {
				return fmt.Errorf("grade: copy %s: %w", filepath.Join(rel, f), err)
			}
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// writeGradingPackage writes the submission's files and the harness into
// dir, the submission's package at importPath.
func writeGradingPackage(e *Exercise, dir, importPath string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("grade: %w", err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return fmt.Errorf("grade: copy submission: %w", err)
		}
	}
	h, err := renderHarness(harnessTemplate, e, importPath)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, harnessFile), h, 0o644); err != nil {
		return fmt.Errorf("grade: write harness: %w", err)
	}
	return nil
}

// buildEnv is the environment of the grader's go commands in the fresh
// copy: no cgo, no network, no workspace file, modules only from the cache.
//
// -trimpath keeps the fresh copy's folder out of what is compiled: each
// grade has a folder of its own, and without it the build cache would miss
// on every package of the module, so every grade would compile the
// exercise, the suite and the world again (twice: without and with the
// race detector). File names in stacks and race reports then read as
// import paths (see untrimStacks).
func buildEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly -trimpath", "GOPROXY=off", "GOTOOLCHAIN=local")
}

// loadViolations type-checks the submission package (go list -deps under
// go/packages) and applies the typed policy. A package that does not type
// check is left to the compiler.
func loadViolations(ctx context.Context, mod, pattern string, p importPolicy) ([]string, error) {
	pkgs, err := packages.Load(&packages.Config{
		Context: ctx, Dir: mod, Env: buildEnv(),
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedSyntax | packages.NeedEmbedPatterns,
	}, pattern)
	if err != nil {
		return nil, fmt.Errorf("grade: load the submission: %w", err)
	}
	var out []string
	for _, pkg := range pkgs {
		out = append(out, typedViolations(p, pkg)...)
	}
	return out, nil
}

// propertyNames builds and runs, from the fresh copy and without the
// submission, a program that lists the suite's properties.
func propertyNames(ctx context.Context, e *Exercise, mod string) ([]string, error) {
	src, err := renderHarness(namesTemplate, e, "")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(mod, "gradenames")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, "go", "run", "./gradenames")
	cmd.Dir, cmd.Env = mod, buildEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("grade: list the properties of %s: %w: %s", e.Info.Slug, err, stderr.String())
	}
	names := strings.Fields(string(out))
	if len(names) == 0 {
		return nil, fmt.Errorf("grade: the suite of %s has no properties", e.Info.Slug)
	}
	return names, nil
}

// raceCompiler makes sure cgo's C compiler, which the race runtime needs,
// is there: without it the build would fail, and the grader's missing tool
// would read as the submission not compiling.
func raceCompiler(ctx context.Context, mod string) error {
	cmd := exec.CommandContext(ctx, "go", "env", "CC")
	cmd.Dir, cmd.Env = mod, append(buildEnv(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("grade: go env CC: %w", err)
	}
	cc := strings.Fields(string(out))
	if len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return fmt.Errorf("grade: the race detector needs cgo's C compiler %q, which is not on PATH: install it (Debian: gcc), or grade without the race detector (--no-race)", cc[0])
	}
	return nil
}

// buildHarness compiles the harness test binary, with the race detector
// when race is set. Compiler errors are the submission's; a failure to run
// go is the grader's.
func buildHarness(ctx context.Context, mod, pattern, bin string, race bool, memory int64) ([]string, error) {
	buildCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := []string{"test", "-c", "-o", bin}
	env := buildEnv()
	if race {
		// The race runtime needs cgo; the policy has already refused a
		// submission that uses cgo itself.
		args = append(args, "-race")
		env = append(env, "CGO_ENABLED=1")
	}
	// go and the compilers it started go together on cancel, each with a
	// memory cap.
	cmd := sandbox.Command(buildCtx, memory, "go", append(args, pattern)...)
	cmd.Dir, cmd.Env = mod, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("grade: %w", ctx.Err())
	}
	if err == nil {
		return nil, nil
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return nil, fmt.Errorf("grade: run go test -c: %w", err)
	}
	if buildCtx.Err() != nil {
		return []string{"the build did not finish within 5m"}, nil
	}
	errs := buildError.FindAllString(out.String(), -1)
	if sandbox.OutOfMemory(out.String()) {
		errs = append([]string{buildOutOfMemory}, errs...)
	}
	if len(errs) == 0 {
		errs = []string{strings.TrimSpace(out.String())}
	}
	return errs, nil
}

// scratchBase is where grading makes its scratch folder: the temporary
// folder, unless a folder above it is closed to others (a TMPDIR inside a
// private folder), then /tmp. A root grader runs the binary as nobody, and
// nobody must be able to reach the binary's folder.
func scratchBase() string {
	dir := os.TempDir()
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

// relTo returns path relative to dir when it is inside dir, else path.
func relTo(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// maxSubmission bounds the size of a submission's Go files together.
const maxSubmission = 1 << 20

// submissionFiles reads the non-test Go files of the submission folder, and
// names the files that may not be part of it: foreign sources (assembly,
// C), Go files that are not regular files (links), and Go files past
// maxSubmission bytes in all.
func submissionFiles(dir string) (map[string][]byte, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read submission: %w", err)
	}
	files := map[string][]byte{}
	var others []string
	var size int64
	for _, ent := range entries {
		n := ent.Name()
		if ent.IsDir() {
			continue
		}
		if _, foreign := foreignSources[filepath.Ext(n)]; foreign {
			others = append(others, n)
			continue
		}
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		if !ent.Type().IsRegular() {
			// A link could point at the grader's files.
			others = append(others, n)
			continue
		}
		info, err := ent.Info()
		if err != nil {
			return nil, nil, fmt.Errorf("read submission: %w", err)
		}
		if size += info.Size(); size > maxSubmission {
			others = append(others, n)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, nil, fmt.Errorf("read submission: %w", err)
		}
		files[n] = b
	}
	return files, others, nil
}

// score weighs a check: 70 for the properties (in proportion), 10 for no
// leaked goroutine, 10 for no analyzer finding, 10 for reaching 85% of the
// ideal speedup. Code that does not build or hangs scores 0.
func score(res *CheckResult) int {
	if len(res.BuildErrors) > 0 || res.TimedOut || len(res.Properties) == 0 {
		return 0
	}
	passed := len(res.Properties) - len(suite.Failed(res.Properties))
	s := 70 * float64(passed) / float64(len(res.Properties))
	if len(res.Leaks) == 0 {
		s += 10
	}
	if len(res.Findings) == 0 {
		s += 10
	}
	if sp := res.Speedup; sp != nil && sp.Ideal > 0 && sp.Measured >= 0.85*sp.Ideal {
		s += 10
	}
	return int(math.Round(s))
}

// reason says in one line why a check failed, most fundamental cause first.
func reason(res *CheckResult, timeout time.Duration) string {
	switch {
	case len(res.BuildErrors) > 0:
		return "does not compile: " + res.BuildErrors[0]
	case res.TimedOut:
		return fmt.Sprintf("hangs: the tests did not finish within %v", timeout)
	case len(res.Properties) == 0:
		if i := strings.Index(res.Output, "panic: "); i >= 0 {
			line, _, _ := strings.Cut(res.Output[i:], "\n")
			return "panicked: " + line
		}
		return "the property suite did not run: " + lastLine(res.Output)
	case len(suite.Failed(res.Properties)) > 0:
		return "fails properties: " + strings.Join(suite.Failed(res.Properties), ", ")
	case len(res.Leaks) > 0:
		return fmt.Sprintf("leaks %d goroutine(s); the first was started at %s:%d", len(res.Leaks), filepath.Base(res.Leaks[0].File), res.Leaks[0].Line)
	case len(res.Findings) > 0:
		return fmt.Sprintf("%d analyzer finding(s); the first: %s", len(res.Findings), res.Findings[0].Message)
	case !res.Passed:
		return "the tests failed: " + lastLine(res.Output)
	}
	return "all checks passed"
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// ErrNotPassed is returned when the reference solution is asked for before
// the learner's copy passes.
var ErrNotPassed = errors.New("not passed yet")
