package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/workbook"
)

// These tests drive the built binary in a copy of the workspace, as a
// learner and a grader would, so a learner's own practice copies are never
// touched.

// workspaceCopy copies the module (without .git, practice copies and
// caches) into a temporary folder and returns it.
func workspaceCopy(t *testing.T) string {
	t.Helper()
	src, err := workbook.FindRoot(".")
	require.NoError(t, err)
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			switch rel {
			case ".git", workbook.PracticeDir, ".cache", "node_modules":
				return filepath.SkipDir
			}
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	return dst
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, out.String(), errb.String()}
}

func TestLearnerFlow(t *testing.T) {
	ws := workspaceCopy(t)

	r := runCLI(t, ws)
	require.Equal(t, 0, r.code, r.stderr)
	for _, slug := range []string{"batch-inference", "data-pipeline", "model-serving", "hyperparameter-tuning", "distributed-training"} {
		assert.Contains(t, r.stdout, slug)
	}
	assert.Contains(t, r.stdout, "Next: read exercises/batchinference/README.md, then `asyncbook start batch-inference`")

	r = runCLI(t, ws, "check", "batch-inference")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "run `asyncbook start batch-inference` first", "a missing practice copy says how to start one")

	r = runCLI(t, ws, "start", "batch-inferense")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `did you mean "batch-inference"`)

	r = runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	solve := filepath.Join(ws, "practice", "batchinference", "solve.go")
	require.FileExists(t, solve)
	require.FileExists(t, filepath.Join(ws, "practice", "batchinference", "solve_test.go"))

	r = runCLI(t, ws, "start", "batch-inference")
	assert.Equal(t, 1, r.code, "start refuses to overwrite work")
	assert.Contains(t, r.stderr, "--force")

	// The untouched copy is the sequential version: it fails the concurrency properties.
	r = runCLI(t, ws, "check", "batch-inference", "--no-speedup")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "FAIL parallel-per-model")
	assert.Contains(t, r.stdout, "PASS results-in-order")
	assert.Contains(t, r.stdout, "NOT YET")
	assert.Contains(t, r.stdout, "model/classifier │", "a timeline is drawn")
	assert.FileExists(t, filepath.Join(ws, "practice", "batchinference", "timeline.svg"))
	assert.Contains(t, r.stderr, "running the property suite", "step lines go to stderr")

	r = runCLI(t, ws, "solution", "batch-inference")
	assert.Equal(t, 1, r.code, "the solution stays closed before the copy passes")

	r = runCLI(t, ws, "hint", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Hint 1/")
	r = runCLI(t, ws, "hint")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Hint 2/", "hint remembers, and defaults to the exercise in progress")

	// Copy in the reference solution: the same suite passes it.
	w, err := workbook.Open(ws)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(solve, ref, 0o644))

	r = runCLI(t, ws, "check", "--json")
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	var res workbook.CheckResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.True(t, res.Passed)
	assert.Empty(t, res.Findings)
	assert.Empty(t, res.Leaks)
	require.NotNil(t, res.Speedup)
	assert.Greater(t, res.Speedup.Measured, 1.5, "the reference solution is faster than the sequential one")

	r = runCLI(t, ws, "list", "--json")
	require.Equal(t, 0, r.code)
	var entries []listEntry
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	assert.Equal(t, "passed", entries[0].Status, "progress is recorded")
	assert.Equal(t, "2/5", entries[0].Hints)

	r = runCLI(t, ws, "solution", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "── yours: practice/batchinference/solve.go")
	assert.Contains(t, r.stdout, "── reference: exercises/batchinference/solution.go")

	r = runCLI(t, ws, "guide", "batch-inference")
	require.Equal(t, 0, r.code)
	assert.NotContains(t, r.stdout, "## Evaluation criteria")
	r = runCLI(t, ws, "guide", "batch-inference", "--interviewer")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "## Evaluation criteria")
	assert.Contains(t, r.stdout, "## Discussion points")
}

func TestCommandErrors(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "frobnicate")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "unknown command")
	r = runCLI(t, ws, "guide")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "usage: asyncbook guide")
	r = runCLI(t, ws, "grade", "--exercise", "batch-inference")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "usage: asyncbook grade")
	r = runCLI(t, t.TempDir(), "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "run asyncbook inside a checkout of asyncbook")
	r = runCLI(t, ws, "version")
	assert.Equal(t, 0, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "asyncbook v"), r.stdout)
}
