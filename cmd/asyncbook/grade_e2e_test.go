package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
	"github.com/asyncbook/asyncbook/workbook"
)

// submission writes a submission folder with solve.go and returns it.
func submission(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "solve.go"), []byte(src), 0o644))
	return dir
}

func grade(t *testing.T, ws, dir string, extra ...string) (int, workbook.GradeReport) {
	t.Helper()
	r := runCLI(t, ws, append([]string{"grade", "--exercise", "batch-inference", "--dir", dir, "--json"}, extra...)...)
	var rep workbook.GradeReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	return r.code, rep
}

func TestGradeSubmissions(t *testing.T) {
	ws := workspaceCopy(t)
	w, err := workbook.Open(ws)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	good := string(ref)

	t.Run("good", func(t *testing.T) {
		code, rep := grade(t, ws, submission(t, good))
		assert.Equal(t, 0, code)
		assert.True(t, rep.Passed, rep.Reason)
		assert.Equal(t, "all checks passed", rep.Reason)
		assert.Equal(t, workbook.VerdictPassed, rep.Verdict)
		assert.GreaterOrEqual(t, rep.Score, 90)
		// The suite's properties, and no-data-races from the race detector.
		require.Len(t, rep.Properties, len(batchinference.Suite().Properties)+1)
		last := rep.Properties[len(rep.Properties)-1]
		assert.Equal(t, workbook.NoRaceProperty, last.Property)
		assert.True(t, last.Pass, last.Observed)
		assert.Empty(t, rep.Races)
		assert.Equal(t, workbook.GradeSchemaVersion, rep.Schema)
	})

	t.Run("racy", func(t *testing.T) {
		// A counter every request goroutine bumps without a lock: every
		// property holds, only the race detector sees it.
		racy := strings.Replace(good, "func Solve(", "var served int\n\nfunc Solve(", 1)
		racy = strings.Replace(racy, "out[i] = p\n", "out[i] = p\n\t\t\tserved++ // racy\n", 1)
		require.Contains(t, racy, "served++ // racy")
		racyLine := 1 + strings.Count(racy[:strings.Index(racy, "served++ // racy")], "\n")
		code, rep := grade(t, ws, submission(t, racy), "--timeout", "90s")
		assert.Equal(t, 1, code)
		assert.False(t, rep.Passed)
		assert.Equal(t, workbook.VerdictFailed, rep.Verdict, rep.Reason)
		assert.Contains(t, rep.Reason, workbook.NoRaceProperty)
		require.NotEmpty(t, rep.Races)
		a := rep.Races[0].Accesses[0]
		assert.Equal(t, "solve.go", a.File)
		assert.Equal(t, racyLine, a.Line)
		for _, p := range rep.Properties {
			assert.Equal(t, p.Property != workbook.NoRaceProperty, p.Pass, "%s: %s", p.Property, p.Observed)
		}
	})

	t.Run("leaking", func(t *testing.T) {
		// A stray goroutine blocked on a channel nobody reads.
		leaky := strings.Replace(good, "func Solve(", "var stray = make(chan int)\n\nfunc Solve(", 1)
		leaky = strings.Replace(leaky, "{\n", "{\n\tgo func() { stray <- 1 }()\n", 1+strings.Count(leaky[:strings.Index(leaky, "func Solve(")], "{\n"))
		code, rep := grade(t, ws, submission(t, leaky), "--timeout", "90s")
		assert.Equal(t, 1, code)
		assert.False(t, rep.Passed)
		require.NotEmpty(t, rep.Leaks, "reason: %s", rep.Reason)
		assert.Equal(t, "solve.go", rep.Leaks[0].File)
		assert.Contains(t, rep.Leaks[0].State, "chan send")
	})

	t.Run("hanging", func(t *testing.T) {
		hang := `package practice

import (
	"context"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	select {} // ignores ctx and never returns
}
`
		code, rep := grade(t, ws, submission(t, hang), "--timeout", "8s")
		assert.Equal(t, 1, code)
		assert.True(t, rep.TimedOut)
		assert.Equal(t, 0, rep.Score)
		assert.Contains(t, rep.Reason, "hangs")
	})

	t.Run("not compiling", func(t *testing.T) {
		code, rep := grade(t, ws, submission(t, "package practice\n\nfunc Solve( {\n"))
		assert.Equal(t, 1, code)
		require.NotEmpty(t, rep.BuildErrors)
		assert.True(t, strings.HasPrefix(rep.BuildErrors[0], "solve.go:3:"), "errors name the submission's file: %s", rep.BuildErrors[0])
		assert.Contains(t, rep.Reason, "does not compile")
		assert.Equal(t, 0, rep.Score)
	})

	t.Run("writing outside its folder", func(t *testing.T) {
		evil := strings.Replace(good, "func Solve(", "func init() { _ = os.WriteFile(\"/tmp/pwned\", nil, 0o644) }\n\nfunc Solve(", 1)
		evil = strings.Replace(evil, "import (", "import (\n\t\"os\"", 1)
		code, rep := grade(t, ws, submission(t, evil))
		assert.Equal(t, 1, code)
		require.NotEmpty(t, rep.Violations)
		assert.Contains(t, rep.Violations[0], `imports "os"`)
		assert.Equal(t, workbook.VerdictForbidden, rep.Verdict)
		assert.Empty(t, rep.Properties, "it never runs")
	})

	t.Run("no sandbox", func(t *testing.T) {
		// A PATH with go but without bwrap: grade refuses, as the
		// grader's own failure (exit 2), unless told to run unsafely.
		bin := t.TempDir()
		goBin, err := exec.LookPath("go")
		require.NoError(t, err)
		require.NoError(t, os.Symlink(goBin, filepath.Join(bin, "go")))
		run := func(extra ...string) (int, workbook.GradeReport, string) {
			cmd := exec.Command(binary, append([]string{"grade", "--exercise", "batch-inference", "--dir", submission(t, good), "--json"}, extra...)...)
			cmd.Dir = ws
			cmd.Env = append(os.Environ(), "PATH="+bin, "NO_COLOR=1")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			var rep workbook.GradeReport
			require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "stdout: %s\nstderr: %s", out.String(), errb.String())
			return code, rep, errb.String()
		}
		code, rep, stderr := run()
		assert.Equal(t, 2, code)
		assert.Equal(t, workbook.VerdictSandboxMissing, rep.Verdict)
		assert.Contains(t, rep.Reason, "bubblewrap")
		assert.Contains(t, stderr, "--unsafe-no-sandbox")
		assert.Empty(t, rep.Properties, "it never runs")

		// Nor is there a C compiler on that PATH, which the race runtime
		// needs: the grader's failure too, never the submission's.
		cmd := exec.Command(binary, "grade", "--exercise", "batch-inference", "--dir", submission(t, good), "--unsafe-no-sandbox")
		cmd.Dir = ws
		cmd.Env = append(os.Environ(), "PATH="+bin, "NO_COLOR=1")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err = cmd.Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 2, ee.ExitCode())
		assert.Contains(t, errb.String(), "the race detector needs cgo's C compiler")
		assert.Contains(t, errb.String(), "--no-race")

		code, rep, _ = run("--unsafe-no-sandbox", "--no-race")
		assert.Equal(t, 0, code, rep.Reason)
		assert.Equal(t, workbook.VerdictPassed, rep.Verdict)
		assert.Equal(t, "none", rep.Sandbox)
	})

	t.Run("grader failure exits 2", func(t *testing.T) {
		r := runCLI(t, ws, "grade", "--exercise", "no-such-exercise", "--dir", t.TempDir(), "--json")
		assert.Equal(t, 2, r.code)
		r = runCLI(t, ws, "grade", "--exercise", "batch-inference", "--dir", filepath.Join(t.TempDir(), "missing"), "--json")
		assert.Equal(t, 2, r.code)
	})

	t.Run("empty folder", func(t *testing.T) {
		code, rep := grade(t, ws, t.TempDir())
		assert.Equal(t, 1, code)
		assert.Contains(t, rep.Reason, "no Go files")
	})

	entries, err := os.ReadDir(filepath.Join(ws, workbook.PracticeDir))
	if err == nil {
		for _, e := range entries {
			assert.False(t, strings.HasPrefix(e.Name(), "grade-"), "grading folders are removed: %s", e.Name())
		}
	}
}

// TestGradeSIGTERM: a grade stopped by SIGTERM while the submission runs
// leaves nothing running and exits 2 (the grader did not finish).
func TestGradeSIGTERM(t *testing.T) {
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Skip("needs bubblewrap")
	}
	ws := workspaceCopy(t)
	hang := `package practice

import (
	"context"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	for {
	}
}
`
	cmd := exec.Command(binary, "grade", "--exercise", "batch-inference", "--dir", submission(t, hang), "--json", "--timeout", "5m")
	cmd.Dir = ws
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Wait for the submission to run: a descendant of the grader running
	// the test binary in the sandbox.
	var running []int
	require.Eventually(t, func() bool {
		running = descendants(cmd.Process.Pid, "/sandbox/grade.test")
		return len(running) > 0
	}, 4*time.Minute, 100*time.Millisecond, "the test binary never started; stderr: %s", errb.String())
	all := descendants(cmd.Process.Pid, "")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode(), "stderr: %s", errb.String())
	assert.Eventually(t, func() bool {
		for _, pid := range all {
			if alive(pid) {
				return false
			}
		}
		return true
	}, 10*time.Second, 50*time.Millisecond, "every process the grade started is gone")
}

// descendants returns the processes below pid whose command line contains
// match (all of them when match is empty).
func descendants(root int, match string) []int {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 {
			parent[pid], _ = strconv.Atoi(fields[1])
		}
	}
	var out []int
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
				if match == "" || strings.Contains(string(cmdline), match) {
					out = append(out, pid)
				}
				break
			}
		}
	}
	return out
}

func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" // a zombie has ended
}
