package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/internal/repocopy"
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
	require.NoError(t, repocopy.Into(src, dst))
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
	assert.Equal(t, 2, r.code, "a grader that cannot run exits 2")
	assert.Contains(t, r.stderr, "usage: asyncbook grade")
	r = runCLI(t, t.TempDir(), "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "run asyncbook inside a checkout of asyncbook")
	r = runCLI(t, ws, "version")
	assert.Equal(t, 0, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "asyncbook v"), r.stdout)
}

// TestHelpAnywhere: -h and --help, before or after a command and its
// arguments, print usage on stdout and exit 0, in or out of a workspace.
func TestHelpAnywhere(t *testing.T) {
	ws := workspaceCopy(t)
	for _, dir := range []string{ws, t.TempDir()} {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"-help"}, {"help", "-h"}} {
			r := runCLI(t, dir, args...)
			assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
			assert.Empty(t, r.stderr, args)
			assert.Contains(t, r.stdout, "usage: asyncbook <command>", args)
			for _, c := range []string{"start", "check", "watch", "hint", "hints", "reset", "verify"} {
				assert.Contains(t, r.stdout, "\n  "+c+" ", "%v lists %s", args, c)
			}
		}
		for _, args := range [][]string{
			{"check", "-h"}, {"check", "batch-inference", "--help"}, {"check", "--json", "-h"},
			{"start", "--help"}, {"hint", "-h"}, {"grade", "--exercise", "x", "--help"}, {"help", "check"},
		} {
			r := runCLI(t, dir, args...)
			assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
			assert.NotContains(t, r.stdout+r.stderr, "help requested", args)
			want := args[0]
			if want == "help" {
				want = args[1]
			}
			assert.True(t, strings.HasPrefix(r.stdout, "usage: asyncbook "+want+" "), "%v: %q", args, r.stdout)
		}
	}
	// Nothing of a command runs when its help is asked for.
	r := runCLI(t, ws, "start", "batch-inference", "-h")
	assert.Equal(t, 0, r.code)
	assert.NoDirExists(t, filepath.Join(ws, "practice", "batchinference"))
	// An argument after "--" is not a flag.
	r = runCLI(t, ws, "hint", "--", "-h")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `unknown exercise "-h"`)

	r = runCLI(t, ws, "help", "frobnicate")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `unknown command "frobnicate"`)
	r = runCLI(t, ws, "frobnicate", "--help")
	assert.Equal(t, 1, r.code)
	r = runCLI(t, ws, "chek", "batch-inference")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "did you mean check?")
	r = runCLI(t, ws, "frobnicate")
	assert.Equal(t, 2, r.code)
	assert.NotContains(t, r.stderr, "did you mean", "no far-fetched suggestion")
	r = runCLI(t, ws, "--version")
	assert.Equal(t, 0, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "asyncbook v"), r.stdout)
}

// TestExerciseNameSuggestions: only names close to what was typed are
// suggested; otherwise the exercises are listed.
func TestExerciseNameSuggestions(t *testing.T) {
	ws := workspaceCopy(t)
	for name, want := range map[string]string{
		"batch-inferense":     `did you mean "batch-inference"?`,
		"modelserving":        "", // a folder name is accepted
		"model":               `did you mean "model-serving"?`,
		"distributed-trainng": `did you mean "distributed-training"?`,
		"Data-Pipeline":       "", // case does not matter
	} {
		r := runCLI(t, ws, "hints", name)
		if want == "" {
			assert.Equal(t, 0, r.code, "%s: %s", name, r.stderr)
			continue
		}
		assert.Equal(t, 1, r.code, name)
		assert.Contains(t, r.stderr, want, name)
		assert.Equal(t, 1, strings.Count(r.stderr, "did you mean"), name)
	}
	for _, name := range []string{"nonexistent", "frobnicate", "x", "serving-model-pipeline"} {
		r := runCLI(t, ws, "start", name)
		assert.Equal(t, 1, r.code, name)
		assert.NotContains(t, r.stderr, "did you mean", "%q is far from every exercise", name)
		assert.Contains(t, r.stderr, "the exercises are batch-inference, hyperparameter-tuning, data-pipeline, model-serving", name)
		assert.NoDirExists(t, filepath.Join(ws, "practice"), "a failed start writes nothing")
	}
}

// TestResetKeepsABackup: start --force and reset never lose the learner's
// work; they say where it went.
func TestResetKeepsABackup(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	solve := filepath.Join(ws, "practice", "datapipeline", "solve.go")
	fresh, err := os.ReadFile(solve)
	require.NoError(t, err)
	mine := append(append([]byte{}, fresh...), []byte("\n// my work in progress\n")...)
	require.NoError(t, os.WriteFile(solve, mine, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "datapipeline", "helper.go"), []byte("package practice\n"), 0o644))

	r = runCLI(t, ws, "start", "data-pipeline", "--force")
	require.Equal(t, 0, r.code, r.stderr)
	backup := backupDirIn(t, r.stdout)
	assert.True(t, strings.HasPrefix(backup, filepath.Join("practice", "_backup", "datapipeline")+string(filepath.Separator)), backup)
	got, err := os.ReadFile(filepath.Join(ws, backup, "solve.go"))
	require.NoError(t, err)
	assert.Equal(t, string(mine), string(got), "the backup holds the work")
	assert.FileExists(t, filepath.Join(ws, backup, "helper.go"))
	got, err = os.ReadFile(solve)
	require.NoError(t, err)
	assert.Equal(t, string(fresh), string(got), "the copy starts again from the sequential version")
	assert.NoFileExists(t, filepath.Join(ws, "practice", "datapipeline", "helper.go"), "a fresh copy has only the two files")

	// The backup is out of the go command's ./... (it would not build beside the copy).
	cmd := exec.Command("go", "list", "./practice/...")
	cmd.Dir = ws
	listed, _ := cmd.CombinedOutput()
	assert.NotContains(t, string(listed), "_backup")

	// Reset, bare: the exercise in progress; an untouched copy needs no backup.
	r = runCLI(t, ws, "reset")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Started Data pipeline")
	assert.NotContains(t, r.stdout, "saved in", "nothing to keep")

	require.NoError(t, os.WriteFile(solve, []byte("package practice // broken\n"), 0o644))
	r = runCLI(t, ws, "reset", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	got, err = os.ReadFile(filepath.Join(ws, backupDirIn(t, r.stdout), "solve.go"))
	require.NoError(t, err)
	assert.Equal(t, "package practice // broken\n", string(got))

	r = runCLI(t, ws, "reset", "nonexistent")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "unknown exercise")
	r = runCLI(t, ws, "reset", "data-pipeline", "model-serving")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "usage: asyncbook reset")
}

// backupDirIn returns the folder named by start's "saved in" line.
func backupDirIn(t *testing.T, stdout string) string {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "Your previous copy is saved in "); ok {
			return strings.TrimSuffix(rest, "/")
		}
	}
	require.Failf(t, "no backup named", "%s", stdout)
	return ""
}

// TestHintsRereadAndPlurals: hints shows again what hint showed, counts
// read "1 more hint" / "3 more hints", and nothing advances by re-reading.
func TestHintsRereadAndPlurals(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "hints", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "No hint of batch-inference shown yet (5 hints)")

	r = runCLI(t, ws, "hint", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	assert.Contains(t, first, "Hint 1/5")
	for range 2 {
		r = runCLI(t, ws, "hints", "batch-inference")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, first, "the hint shown is shown again")
		assert.NotContains(t, r.stdout, "Hint 2/5", "re-reading does not step on")
		assert.Contains(t, r.stdout, "4 more hints left")
	}
	for range 3 {
		require.Equal(t, 0, runCLI(t, ws, "hint", "batch-inference").code)
	}
	r = runCLI(t, ws, "hints", "batch-inference")
	assert.Contains(t, r.stdout, "Hint 4/5")
	assert.Contains(t, r.stdout, "1 more hint left")
	assert.NotContains(t, r.stdout, "hints left")
	r = runCLI(t, ws, "guide", "batch-inference")
	assert.Contains(t, r.stdout, "(1 more hint: `asyncbook hint batch-inference`")
	assert.NotContains(t, r.stdout, "hint(s)")

	// list's columns line up whatever the names' lengths.
	r = runCLI(t, ws, "list")
	require.Equal(t, 0, r.code)
	col := -1
	for _, l := range strings.Split(r.stdout, "\n") {
		if i := strings.Index(l, "not started"); i >= 0 {
			if col >= 0 {
				assert.Equal(t, col, len([]rune(l[:i])), "status column of %q", l)
			}
			col = len([]rune(l[:i]))
		}
	}
	assert.Positive(t, col)

	r = runCLI(t, ws, "hints", "batch-inference", "data-pipeline")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "usage: asyncbook hints")
}

// TestBareCommandsFallBack: with no exercise named, hint, hints and check
// use the exercise in progress or, after a pass, the next one not passed;
// progress.json never records a zero time.
func TestBareCommandsFallBack(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "hint")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no exercise started yet; the first one is batch-inference")
	assert.Contains(t, r.stdout, "Hint 1/")
	progress := filepath.Join(ws, "practice", "progress.json")
	b, err := os.ReadFile(progress)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "0001-01-01", "no zero time in progress.json")

	// batch-inference has passed (as recorded by a passing check).
	require.NoError(t, os.WriteFile(progress, []byte(`{"batch-inference": {"started": "2026-01-02T10:00:00Z", "checks": 3,
		"passed": "2026-01-02T11:00:00Z", "last_check": "2026-01-02T11:00:00Z", "last_passed": true, "hints_shown": 2}}`), 0o644))
	r = runCLI(t, ws, "hint")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "on to the next one, hyperparameter-tuning")
	assert.NotContains(t, r.stderr, "no exercise in progress:")
	assert.Contains(t, r.stdout, "Hint 1/")
	r = runCLI(t, ws, "check")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "run `asyncbook start hyperparameter-tuning` first")

	r = runCLI(t, ws, "start", "model-serving")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCLI(t, ws, "hints")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "No hint of model-serving shown yet", "the exercise in progress comes first")
	assert.Empty(t, r.stderr)

	b, err = os.ReadFile(progress)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "0001-01-01")
	var all map[string]map[string]any
	require.NoError(t, json.Unmarshal(b, &all))
	assert.NotContains(t, all["model-serving"], "passed")
	assert.NotContains(t, all["data-pipeline"], "started")

	// Every exercise passed: a bare command asks for a name.
	all = map[string]map[string]any{}
	for _, s := range []string{"batch-inference", "data-pipeline", "model-serving", "hyperparameter-tuning", "distributed-training"} {
		all[s] = map[string]any{"started": "2026-01-02T10:00:00Z", "passed": "2026-01-02T11:00:00Z"}
	}
	b, err = json.Marshal(all)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(progress, b, 0o644))
	r = runCLI(t, ws, "hint")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "every exercise passes")
}

// TestVerifyEveryExercise: verify (and check --all) checks every started
// exercise and says which are not started; it passes only when all do.
func TestVerifyEveryExercise(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "check", "--all")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 5, strings.Count(r.stdout, "not started"), r.stdout)
	assert.Contains(t, r.stdout, "0 of 5 exercises pass. Next: batch-inference.")

	r = runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	w, err := workbook.Open(ws)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "batchinference", "solve.go"), ref, 0o644))
	r = runCLI(t, ws, "start", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "datapipeline", "solve.go"), []byte("package practice\n\nfunc Solve( {\n"), 0o644))

	r = runCLI(t, ws, "verify", "--no-speedup")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	lines := map[string]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) > 2 {
			lines[f[1]] = l
		}
	}
	assert.Contains(t, lines["batch-inference"], "PASSED")
	assert.Regexp(t, `\b(\d+)/(\d+) properties`, lines["batch-inference"])
	assert.Contains(t, lines["data-pipeline"], "DOES NOT BUILD")
	assert.Contains(t, lines["model-serving"], "not started")
	assert.Contains(t, r.stdout, "1 of 5 exercises pass. Next: hyperparameter-tuning.")
	r = runCLI(t, ws, "list", "--json")
	var entries []listEntry
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &entries))
	assert.Equal(t, "passed", entries[0].Status, "verify records progress as check does")

	r = runCLI(t, ws, "verify", "batch-inference")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "usage: asyncbook verify")
	r = runCLI(t, ws, "check", "--all", "--timeout", "soon")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "invalid value")
}
