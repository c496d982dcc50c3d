package workbook

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
	"github.com/asyncbook/asyncbook/workbook/sandbox"
)

// These tests grade hostile submissions the way CI would, one attack per
// class, each checked for its verdict and for what it left behind. The ones
// that run code need bubblewrap; the policy ones do not.

func gradeWorkbook(t *testing.T) *Workbook {
	t.Helper()
	w, err := Open(repoRoot(t))
	require.NoError(t, err)
	return w
}

func needSandbox(t *testing.T) {
	t.Helper()
	if _, err := sandbox.Detect(context.Background()); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no sandbox here, and CI must not skip the sandbox's tests (scripts/test.sh installs bubblewrap): %v", err)
		}
		t.Skipf("no sandbox here: %v", err)
	}
}

// sub writes a submission folder with the given files.
func sub(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644))
	}
	return dir
}

// reference returns the exercise's reference solution as a submission's
// solve.go (func solution renamed Solve, package practice).
func reference(t *testing.T, w *Workbook, slug string) string {
	t.Helper()
	e, err := w.Lookup(slug)
	require.NoError(t, err)
	src, err := w.ReferenceSource(e)
	require.NoError(t, err)
	return string(src)
}

// withInit adds an init function and imports to a submission.
func withInit(src, imports, body string) string {
	src = strings.Replace(src, "import (", "import (\n"+imports+"\n", 1)
	return src + "\nfunc init() {\n" + body + "\n}\n"
}

const sequentialSolve = `package practice

import (
	"context"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	return batchinference.Sequential(ctx, models, inputs)
}
`

func grade(t *testing.T, w *Workbook, dir string, opts GradeOptions) *GradeReport {
	t.Helper()
	return gradeExercise(t, w, "batch-inference", dir, opts)
}

func gradeExercise(t *testing.T, w *Workbook, slug, dir string, opts GradeOptions) *GradeReport {
	t.Helper()
	e, err := w.Lookup(slug)
	require.NoError(t, err)
	if opts.Timeout == 0 {
		opts.Timeout = 90 * time.Second
	}
	rep, err := w.Grade(context.Background(), e, dir, opts)
	require.NoError(t, err)
	t.Logf("verdict %s: %s", rep.Verdict, rep.Reason)
	return rep
}

// TestGradePolicy: every form of reaching outside is refused before
// anything is built, with the reason; allowed code is not.
func TestGradePolicy(t *testing.T) {
	w := gradeWorkbook(t)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	p := exercisePolicy(e, filepath.Join(w.root, "exercises", e.Info.Dir))
	refused := map[string]string{
		"os":                         `import "os"`,
		"dot os":                     `import . "os"`,
		"renamed os":                 `import fs "os"`,
		"blank":                      `import _ "net/http/pprof"`,
		"os/exec":                    `import "os/exec"`,
		"syscall":                    `import "syscall"`,
		"x/sys":                      `import "golang.org/x/sys/unix"`,
		"unsafe":                     `import "unsafe"`,
		"reflect":                    `import "reflect"`,
		"net":                        `import "net"`,
		"runtime":                    `import "runtime"`,
		"runtime/debug":              `import "runtime/debug"`,
		"testing":                    `import "testing"`,
		"plugin":                     `import "plugin"`,
		"cgo":                        "// #include <stdio.h>\nimport \"C\"",
		"embed":                      `import "embed"`,
		"suite":                      `import "github.com/asyncbook/asyncbook/exercises/suite"`,
		"other exercise":             `import "github.com/asyncbook/asyncbook/exercises/datapipeline"`,
		"workbook":                   `import "github.com/asyncbook/asyncbook/workbook"`,
		"io/ioutil":                  `import "io/ioutil"`,
		"internal":                   `import "internal/poll"`,
		"unknown third-party module": `import "github.com/evil/pkg"`,
		"linkname":                   "import _ \"unsafe\"\n//go:linkname now time.now",
		"go:embed":                   "//go:embed secret.txt\nvar x string",
	}
	for name, decl := range refused {
		t.Run(name, func(t *testing.T) {
			v := sourceViolations(p, map[string][]byte{"solve.go": []byte("package practice\n\n" + decl + "\n")}, nil)
			assert.NotEmpty(t, v)
		})
	}
	v := sourceViolations(p, map[string][]byte{"solve.go": []byte("package practice\n")}, []string{"evil_amd64.s"})
	assert.Contains(t, strings.Join(v, "\n"), "assembly")

	// Read from a folder: a link to the grader's files and a huge file are
	// refused, not read.
	dir := t.TempDir()
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "link.go")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.go"), make([]byte, maxSubmission+1), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "evil.c"), nil, 0o644))
	files, others, err := submissionFiles(dir)
	require.NoError(t, err)
	assert.Empty(t, files)
	assert.ElementsMatch(t, []string{"link.go", "big.go", "evil.c"}, others)
	assert.Len(t, sourceViolations(p, files, others), 3)
	v = sourceViolations(p, map[string][]byte{"solve.go": []byte(`//go:build ignore

package practice

import "os"
`)}, nil)
	assert.NotEmpty(t, v, "build constraints do not hide a file from the policy")

	for name, decl := range map[string]string{
		"concurrency": `import ("context"; "sync"; "sync/atomic"; "time"; "errors"; "fmt"; "golang.org/x/sync/errgroup"; "golang.org/x/sync/semaphore")`,
		"data":        `import ("sort"; "slices"; "maps"; "math"; "strings"; "container/heap"; "strconv")`,
		"exercise":    `import bi "github.com/asyncbook/asyncbook/exercises/batchinference"`,
		"noinline":    "//go:noinline\nfunc f() {}",
	} {
		t.Run("allowed "+name, func(t *testing.T) {
			assert.Empty(t, sourceViolations(p, map[string][]byte{"solve.go": []byte("package practice\n\n" + decl + "\n")}, nil))
		})
	}
}

// TestGradeTypedPolicy: what the type-checked package uses of the
// exercise and of shared state.
func TestGradeTypedPolicy(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	ref := reference(t, w, "batch-inference")
	serving := reference(t, w, "model-serving")
	const bi = `bi "github.com/asyncbook/asyncbook/exercises/batchinference"`
	for name, tc := range map[string]struct{ slug, src, want string }{
		"calls the exercise's suite":                   {"", withInit(ref, bi, `_ = bi.Suite()`), "exercise's suite or solution"},
		"calls the exercise's suite helpers":           {"model-serving", withInit(serving, `ms "github.com/asyncbook/asyncbook/exercises/modelserving"`, `_ = ms.BenchConfig(1)`), "exercise's suite or solution"},
		"mutates the exercise's info":                  {"", withInit(ref, bi, `bi.Info.Slug = "x"`), "writes batchinference.Info"},
		"swaps a sentinel error":                       {"", withInit(ref, bi, `bi.ErrOverloaded = nil`), "writes batchinference.ErrOverloaded"},
		"aliases a shared slice":                       {"", withInit(ref, `sw "github.com/asyncbook/asyncbook/exercises/simworld"`, `t := sw.Topics; t[0] = "x"`), "reads simworld.Topics"},
		"changes the default client":                   {"model-serving", withInit(serving, `h2 "net/http"`, `c := h2.DefaultClient; c.Timeout = 1`), "reads http.DefaultClient"},
		"net/http where the exercise does not need it": {"", withInit(ref, `"net/http"`, `_ = http.Get`), `imports "net/http"`},
	} {
		t.Run(name, func(t *testing.T) {
			slug := tc.slug
			if slug == "" {
				slug = "batch-inference"
			}
			rep := gradeExercise(t, w, slug, sub(t, map[string]string{"solve.go": tc.src}), GradeOptions{})
			assert.Equal(t, VerdictForbidden, rep.Verdict)
			assert.Contains(t, strings.Join(rep.Violations, "\n"), tc.want)
			assert.Empty(t, rep.Properties, "it never ran")
			for _, v := range rep.Violations {
				assert.False(t, strings.HasPrefix(v, "/"), "violations name the submission's files: %s", v)
			}
		})
	}
	t.Run("calls the unexported reference solution", func(t *testing.T) {
		rep := grade(t, w, sub(t, map[string]string{"solve.go": withInit(ref, bi, `_ = bi.solution`)}), GradeOptions{})
		assert.Equal(t, VerdictBuild, rep.Verdict)
		assert.Contains(t, rep.Reason, "solution")
	})
}

// TestGradeReferencesPass: each exercise's reference solution, submitted,
// passes the policy (the allowlist is enough to solve the exercises), and
// batch-inference's passes the grade in the sandbox.
func TestGradeReferencesPass(t *testing.T) {
	w := gradeWorkbook(t)
	for _, e := range w.Exercises() {
		src := reference(t, w, e.Info.Slug)
		p := exercisePolicy(e, filepath.Join(w.root, "exercises", e.Info.Dir))
		assert.Empty(t, sourceViolations(p, map[string][]byte{"solve.go": []byte(src)}, nil), e.Info.Slug)
	}
	// The typed policy too, on the fresh copy: no false alarm on any
	// reference.
	for _, e := range w.Exercises() {
		mod := filepath.Join(t.TempDir(), "mod")
		require.NoError(t, w.freshCopy(context.Background(), e, mod))
		subRel := PracticeDir + "/" + e.Info.Dir
		require.NoError(t, writeGradingPackage(e, filepath.Join(mod, filepath.FromSlash(subRel)), ModulePath+"/"+subRel,
			map[string][]byte{"solve.go": []byte(reference(t, w, e.Info.Slug))}))
		v, err := loadViolations(context.Background(), mod, "./"+subRel, exercisePolicy(e, filepath.Join(mod, "exercises", e.Info.Dir)))
		require.NoError(t, err)
		assert.Empty(t, v, e.Info.Slug)
	}
	needSandbox(t)
	rep := grade(t, w, sub(t, map[string]string{"solve.go": reference(t, w, "batch-inference")}), GradeOptions{})
	assert.Equal(t, VerdictPassed, rep.Verdict, rep.Output)
	assert.True(t, rep.Passed)
	assert.Equal(t, "bubblewrap", rep.Sandbox)
	assert.Len(t, rep.Properties, len(batchinference.Suite().Properties)+1) // and no-data-races
	require.NotNil(t, rep.ExitCode)
	assert.Equal(t, 0, *rep.ExitCode)
}

// TestGradeSequentialFails: the sequential version fails its concurrency
// properties in the sandbox too (the suite has teeth there).
func TestGradeSequentialFails(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	rep := grade(t, w, sub(t, map[string]string{"solve.go": sequentialSolve}), GradeOptions{})
	assert.Equal(t, VerdictFailed, rep.Verdict)
	assert.False(t, rep.Passed)
	assert.Contains(t, rep.Reason, "fails properties")
}

// The attacks below run with the policy off (skipPolicy), as a submission
// that got past it would: they test the layers behind it.

func TestGradeForgedReport(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	forged := `{"exercise":"batch-inference","ran":true,"code":0,"results":[]}`
	for name, body := range map[string]string{
		// A report written over the harness's descriptor from init, then exit 0.
		"report channel, then exit": `f := os.NewFile(3, "r"); f.Write([]byte("00 ` + strings.ReplaceAll(forged, `"`, `\"`) + `\n")); os.Exit(0)`,
		// The same, and the harness still runs: two lines, one unsigned.
		"report channel, then run": `f := os.NewFile(3, "r"); f.Write([]byte("00 ` + strings.ReplaceAll(forged, `"`, `\"`) + `\n"))`,
		// The old channels: a report file and the exit status.
		"report file and exit 0": `os.WriteFile(os.Getenv("ASYNCBOOK_REPORT"), []byte("` + strings.ReplaceAll(forged, `"`, `\"`) + `"), 0o644); os.Exit(0)`,
		// Skip every test: the report lacks the properties.
		"-test.run=^$": `os.Args = append(os.Args, "-test.run=^$")`,
		// Make every check of the suite pass: Suite() hands out a fresh
		// suite, so this changes only the submission's copy.
		"tampered suite": `s := bi.Suite(); for i := range s.Properties { s.Properties[i].Check = func(context.Context, bi.Impl) suite.Outcome { return suite.Outcome{Pass: true} } }; s.Properties = s.Properties[:0]`,
		// Hide a leak by closing stderr: the harness finds leaks itself.
		"closed stderr": `os.Stderr.Close(); os.Stdout.Close()`,
	} {
		t.Run(name, func(t *testing.T) {
			src := sequentialSolve
			if name == "closed stderr" {
				src = reference(t, w, "batch-inference")
				src = strings.Replace(src, "func Solve(", "var stray = make(chan int)\n\nfunc Solve(", 1)
				body += "\n\tgo func() { stray <- 1 }()"
			}
			imports := `"os"`
			if name == "tampered suite" {
				imports = `bi "github.com/asyncbook/asyncbook/exercises/batchinference"; "github.com/asyncbook/asyncbook/exercises/suite"`
			}
			src = withInit(src, imports, body)
			rep := grade(t, w, sub(t, map[string]string{"solve.go": src}), GradeOptions{skipPolicy: true})
			assert.False(t, rep.Passed)
			if name != "closed stderr" && name != "tampered suite" {
				assert.Equal(t, 0, rep.Score)
			}
			switch name {
			case "report channel, then exit", "report channel, then run":
				assert.Equal(t, VerdictForged, rep.Verdict)
			case "report file and exit 0":
				assert.Equal(t, VerdictCrashed, rep.Verdict)
			case "tampered suite":
				assert.Equal(t, VerdictFailed, rep.Verdict)
				assert.Len(t, rep.Properties, len(batchinference.Suite().Properties)+1) // and no-data-races
				assert.Contains(t, rep.Reason, "fails properties")
			case "-test.run=^$":
				assert.Equal(t, VerdictIncomplete, rep.Verdict)
			case "closed stderr":
				assert.Equal(t, VerdictFailed, rep.Verdict)
				require.NotEmpty(t, rep.Leaks, rep.Reason)
				assert.Equal(t, "solve.go", rep.Leaks[0].File)
			}
		})
	}
}

// TestGradeSandbox: secrets, network, writes outside, processes left
// behind, memory and output bombs, cross-submission writes.
func TestGradeSandbox(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	t.Setenv("SECRET", "hunter2-do-not-leak")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	dialed := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			select {
			case dialed <- struct{}{}:
			default:
			}
		}
	}()
	outside := filepath.Join(t.TempDir(), "pwned")
	marker := "asyncbook-sandbox-orphan-" + filepath.Base(t.TempDir())

	attacks := map[string]struct {
		imports, body string
		verdict       string
		check         func(t *testing.T, rep *GradeReport)
	}{
		"secret env": {`"os"`, `panic("secret=" + os.Getenv("SECRET"))`, VerdictCrashed, func(t *testing.T, rep *GradeReport) {
			assert.Contains(t, rep.Reason, "secret=")
			assert.NotContains(t, rep.Reason+rep.Output, "hunter2")
		}},
		"network dial": {`"net"; "fmt"`, `c, err := net.Dial("tcp", "` + ln.Addr().String() + `"); if err == nil { c.Close() }; panic(fmt.Sprint("dial: ", err))`, VerdictCrashed, func(t *testing.T, rep *GradeReport) {
			select {
			case <-dialed:
				t.Error("the submission reached the host's listener")
			default:
			}
		}},
		"write outside": {`"os"; "fmt"`, `err := os.WriteFile("` + outside + `", []byte("x"), 0o644); err2 := os.WriteFile("` + filepath.Join(w.root, "exercises", "batchinference", "zz_pwned.go") + `", []byte("package batchinference"), 0o644); panic(fmt.Sprint(err, err2))`, VerdictCrashed, func(t *testing.T, rep *GradeReport) {
			assert.NoFileExists(t, outside)
			assert.NoFileExists(t, filepath.Join(w.root, "exercises", "batchinference", "zz_pwned.go"))
		}},
		"process left behind": {`"os/exec"; "syscall"`, `c := exec.Command("/bin/sh", "-c", "sleep 300; echo ` + marker + `"); c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}; if err := c.Start(); err != nil { panic(err) }`, VerdictFailed, func(t *testing.T, rep *GradeReport) {
			out, _ := exec.Command("pgrep", "-f", marker).Output()
			assert.Empty(t, strings.TrimSpace(string(out)), "no process survives the grade")
		}},
		// One submission leaves a file where the next would look: every
		// run has its own private /tmp and the workspace is not there.
		"cross-submission": {`"os"; "fmt"`, `_, before := os.Stat("/tmp/left-by-previous"); err := os.WriteFile("/tmp/left-by-previous", []byte("x"), 0o644); panic(fmt.Sprint("found-before=", before == nil, " wrote=", err == nil))`, VerdictCrashed, func(t *testing.T, rep *GradeReport) {
			assert.Contains(t, rep.Reason, "found-before=false wrote=true", "it could write its scratch, and found nothing of a previous run")
		}},
		"memory bomb":  {`"fmt"`, `var keep [][]byte; for i := 0; i < 64; i++ { b := make([]byte, 256<<20); for j := range b { b[j] = 1 }; keep = append(keep, b) }; fmt.Println(len(keep))`, VerdictOutOfMemory, nil},
		"output flood": {`"fmt"; "strings"`, `s := strings.Repeat("x", 1<<16); for { fmt.Println(s) }`, VerdictOutput, nil},
	}
	for name, a := range attacks {
		t.Run(name, func(t *testing.T) {
			src := withInit(sequentialSolve, a.imports, a.body)
			runs := 1
			if name == "cross-submission" {
				runs = 2 // the second finds nothing of the first
			}
			for i := 0; i < runs; i++ {
				rep := grade(t, w, sub(t, map[string]string{"solve.go": src}), GradeOptions{skipPolicy: true, Limits: sandbox.Limits{Memory: 2 << 30}})
				assert.False(t, rep.Passed)
				assert.Equal(t, a.verdict, rep.Verdict, rep.Output)
				if a.check != nil {
					a.check(t, rep)
				}
			}
		})
	}
}

// A submission written to exhaust the compiler (two 512 MiB arrays of
// static data) is stopped by the build's memory cap, and the verdict says
// so. The cap is 1 GiB here to keep the test quick; the go command and
// the linker of the race-enabled harness fit in it.
func TestGradeBuildMemoryCap(t *testing.T) {
	needSandbox(t)
	w := gradeWorkbook(t)
	bomb := sequentialSolve + "\nvar bombX = [1 << 26]int{1 << 25: 1}\nvar bombY = [1 << 26]int{1 << 25: 2}\n"
	rep := grade(t, w, sub(t, map[string]string{"solve.go": bomb}), GradeOptions{buildMemory: 1 << 30})
	assert.Equal(t, VerdictOutOfMemory, rep.Verdict, rep.Reason)
	assert.Contains(t, rep.Reason, "the build ran out of memory")
}

// TestGradeSandboxCost measures what the sandbox costs: the same harness
// binary (batch-inference's reference solution) run alternately under
// bubblewrap and directly, with the same limits. It is a measurement, not
// a check: run it with ASYNCBOOK_MEASURE=1 (docs/grading.md has the numbers).
func TestGradeSandboxCost(t *testing.T) {
	if os.Getenv("ASYNCBOOK_MEASURE") == "" {
		t.Skip("a measurement: set ASYNCBOOK_MEASURE=1")
	}
	needSandbox(t)
	ctx := context.Background()
	w := gradeWorkbook(t)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	tmp := t.TempDir()
	mod := filepath.Join(tmp, "mod")
	buildStart := time.Now()
	require.NoError(t, w.freshCopy(ctx, e, mod))
	subRel := PracticeDir + "/" + e.Info.Dir
	require.NoError(t, writeGradingPackage(e, filepath.Join(mod, filepath.FromSlash(subRel)), ModulePath+"/"+subRel,
		map[string][]byte{"solve.go": []byte(reference(t, w, e.Info.Slug))}))
	bin := filepath.Join(tmp, "bin", "grade.test")
	errs, err := buildHarness(ctx, mod, "./"+subRel, bin, true, sandbox.BuildMemory)
	require.NoError(t, err)
	require.Empty(t, errs)
	build := time.Since(buildStart)
	for _, d := range []string{filepath.Dir(tmp), tmp, filepath.Dir(bin)} {
		require.NoError(t, os.Chmod(d, 0o755)) // a root grader runs it as nobody
	}
	sbx, err := sandbox.Detect(ctx)
	require.NoError(t, err)
	runners := map[string]*sandbox.Runner{"bubblewrap": sbx, "none": sandbox.Unsandboxed()}
	times := map[string][]time.Duration{}
	const rounds = 5
	for i := 0; i < rounds; i++ {
		for _, name := range []string{"bubblewrap", "none"} {
			start := time.Now()
			res, signed, rerr, err := runHarness(ctx, runners[name], bin, 2*time.Minute, sandbox.Limits{})
			require.NoError(t, err)
			require.NoError(t, rerr, string(res.Output))
			require.NotNil(t, signed)
			times[name] = append(times[name], time.Since(start))
		}
	}
	median := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d...)
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if s[j] < s[i] {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
		return s[len(s)/2]
	}
	sb, none := median(times["bubblewrap"]), median(times["none"])
	t.Logf("copy+build %v; run median of %d: bubblewrap %v, none %v; run ratio %.3f; grade ratio (copy+build+run) %.3f",
		build.Round(time.Millisecond), rounds, sb.Round(time.Millisecond), none.Round(time.Millisecond),
		float64(sb)/float64(none), float64(build+sb)/float64(build+none))
	t.Logf("all: bubblewrap %v, none %v", times["bubblewrap"], times["none"])
}
