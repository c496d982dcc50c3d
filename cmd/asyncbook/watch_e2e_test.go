package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/workbook"
)

// watcher is a running `asyncbook watch` whose output the test reads line
// by line.
type watcher struct {
	cmd   *exec.Cmd
	lines chan string
	seen  []string
}

func startWatch(t *testing.T, ws string, args ...string) *watcher {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"watch", "--interval", "100ms"}, args...)...)
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	wt := &watcher{cmd: cmd, lines: make(chan string)}
	go func() { // owned by this test: ends when the process closes stdout
		defer close(wt.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			wt.lines <- sc.Text()
		}
	}()
	return wt
}

// waitFor reads lines until one contains substr, and returns the lines read
// since the previous wait.
func (wt *watcher) waitFor(t *testing.T, substr string) string {
	t.Helper()
	deadline := time.After(3 * time.Minute)
	var read []string
	for {
		select {
		case l, ok := <-wt.lines:
			require.True(t, ok, "watch exited before printing %q; it printed:\n%s", substr, strings.Join(read, "\n"))
			read = append(read, l)
			wt.seen = append(wt.seen, l)
			if strings.Contains(l, substr) {
				return strings.Join(read, "\n")
			}
		case <-deadline:
			require.Failf(t, "timeout", "watch never printed %q; it printed:\n%s", substr, strings.Join(read, "\n"))
		}
	}
}

// wait drains the output and waits for the process to exit.
func (wt *watcher) wait(t *testing.T) error {
	t.Helper()
	for l := range wt.lines {
		wt.seen = append(wt.seen, l)
	}
	return wt.cmd.Wait()
}

func writeReference(t *testing.T, ws, slug string) {
	t.Helper()
	w, err := workbook.Open(ws)
	require.NoError(t, err)
	e, err := w.Lookup(slug)
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.PracticePath(e), workbook.SolveFile), ref, 0o644))
}

// writeProgress records the given exercises as passed.
func writeProgress(t *testing.T, ws string, passed ...string) {
	t.Helper()
	var entries []string
	for _, slug := range passed {
		entries = append(entries, fmt.Sprintf(`%q: {"started": "2026-01-02T10:00:00Z", "passed": "2026-01-02T11:00:00Z"}`, slug))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "practice"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "progress.json"), []byte("{"+strings.Join(entries, ",\n")+"}"), 0o644))
}

// TestWatchRechecksOnSave runs `asyncbook watch`, which shows what check
// shows (the speedup too), sees a pass and moves on to the next exercise not
// passed (starting it), then re-checks that one's copy on save. Each full
// check costs a minute on a loaded machine: this test runs one.
func TestWatchRechecksOnSave(t *testing.T) {
	ws := workspaceCopy(t)
	// Three of the five exercises have passed already; batch-inference is
	// in progress, with a copy that passes.
	writeProgress(t, ws, "data-pipeline", "model-serving", "hyperparameter-tuning")
	r := runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	writeReference(t, ws, "batch-inference")

	wt := startWatch(t, ws) // bare: the exercise in progress
	out := wt.waitFor(t, "PASSED")
	assert.Contains(t, out, "Checking Batch inference")
	assert.Contains(t, out, "PASS parallel-per-model")
	assert.Contains(t, out, "Speedup: ", "watch shows the speedup as check does")
	assert.Contains(t, out, "model/classifier │", "and the timeline")
	out = wt.waitFor(t, "to check it")
	assert.Contains(t, out, "Next exercise: Distributed training: your copy is practice/distributedtraining/solve.go")
	assert.FileExists(t, filepath.Join(ws, "practice", "distributedtraining", "solve.go"), "moving on starts the next exercise")

	// A save of the next exercise's copy is checked: here, one that does not build.
	solve := filepath.Join(ws, "practice", "distributedtraining", "solve.go")
	require.NoError(t, os.WriteFile(solve, []byte("package practice\n\nfunc Solve( {\n"), 0o644))
	out = wt.waitFor(t, "waiting for the next save")
	assert.Contains(t, out, "Checking Distributed training")
	assert.Contains(t, out, "does not compile")

	require.NoError(t, wt.cmd.Process.Signal(syscall.SIGINT))
	wt.waitFor(t, "stopped watching")
	require.NoError(t, wt.wait(t))
	assert.NotContains(t, strings.Join(wt.seen, "\n"), "\x1b", "no escape codes on a pipe")
}

// TestWatchEndsWhenEveryExercisePasses: the last exercise's pass ends the
// watch, with status 0.
func TestWatchEndsWhenEveryExercisePasses(t *testing.T) {
	ws := workspaceCopy(t)
	writeProgress(t, ws, "batch-inference", "model-serving", "hyperparameter-tuning", "distributed-training")
	r := runCLI(t, ws, "start", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	writeReference(t, ws, "data-pipeline")

	wt := startWatch(t, ws, "--no-speedup", "data-pipeline")
	wt.waitFor(t, "PASSED")
	wt.waitFor(t, "Every exercise passes")
	require.NoError(t, wt.wait(t), "watch ends by itself when every exercise passes")
}

// TestWatchStopsOnInterrupt: Ctrl-C ends a watch cleanly, with status 0.
func TestWatchStopsOnInterrupt(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "datapipeline", "solve.go"), []byte("package practice\n\nfunc Solve( {\n"), 0o644))
	wt := startWatch(t, ws, "data-pipeline")
	wt.waitFor(t, "waiting for the next save")
	require.NoError(t, wt.cmd.Process.Signal(syscall.SIGINT))
	wt.waitFor(t, "stopped watching")
	assert.NoError(t, wt.wait(t))
}

// TestBareWatchStartsTheNextExercise: after a pass, a bare watch starts
// the next exercise not passed and waits for its first save.
func TestBareWatchStartsTheNextExercise(t *testing.T) {
	ws := workspaceCopy(t)
	writeProgress(t, ws, "batch-inference")
	wt := startWatch(t, ws)
	out := wt.waitFor(t, "to check it")
	assert.Contains(t, out, "Next exercise: Hyperparameter tuning: your copy is practice/hyperparamtuning/solve.go")
	assert.FileExists(t, filepath.Join(ws, "practice", "hyperparamtuning", "solve.go"))
	require.NoError(t, wt.cmd.Process.Signal(syscall.SIGINT))
	out = wt.waitFor(t, "stopped watching")
	assert.NotContains(t, out, "Checking", "nothing is checked before the first save")
	require.NoError(t, wt.wait(t))
}

func TestWatchBadInput(t *testing.T) {
	ws := workspaceCopy(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "nonexistent"}, "unknown exercise"},
		{[]string{"watch", "model-serving"}, "run `asyncbook start model-serving` first"},
		{[]string{"watch", "--interval", "0s", "model-serving"}, "--interval must be positive"},
		{[]string{"watch", "--interval", "soon"}, "invalid value"},
		{[]string{"watch", "batch-inference", "data-pipeline"}, "usage: asyncbook watch"},
	} {
		r := runCLI(t, ws, c.args...)
		assert.Equal(t, 1, r.code, c.args)
		assert.Contains(t, r.stderr, c.want, c.args)
	}
}

// TestWatchClearsATerminal runs watch with its output on a pseudo-terminal:
// every check starts on a cleared screen.
func TestWatchClearsATerminal(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "data-pipeline")
	require.Equal(t, 0, r.code, r.stderr)
	solve := filepath.Join(ws, "practice", "datapipeline", "solve.go")
	require.NoError(t, os.WriteFile(solve, []byte("package practice\n\nfunc Solve( {\n"), 0o644))

	master, slave := openPTY(t)
	cmd := exec.Command(binary, "watch", "--interval", "100ms")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = slave, slave
	require.NoError(t, cmd.Start())
	slave.Close()
	chunks := make(chan []byte)
	go func() { // owned by this test: ends when the process's side of the terminal closes
		defer close(chunks)
		for {
			buf := make([]byte, 4096)
			n, err := master.Read(buf) // EIO once the last slave is closed
			if n > 0 {
				chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	var b []byte
	deadline := time.After(3 * time.Minute)
	for !bytes.Contains(b, []byte("waiting for the next save")) {
		select {
		case c, ok := <-chunks:
			require.True(t, ok, "watch exited early: %q", b)
			b = append(b, c...)
		case <-deadline:
			require.Failf(t, "timeout", "watch never waited for a save: %q", b)
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for c := range chunks {
		b = append(b, c...)
	}
	require.NoError(t, cmd.Wait())
	master.Close()
	clear := []byte("\x1b[H\x1b[2J")
	first := bytes.Index(b, clear)
	require.GreaterOrEqual(t, first, 0, "the screen is cleared: %q", b)
	assert.Less(t, first, bytes.Index(b, []byte("Checking Data pipeline")), "the screen is cleared before the check")
	assert.Contains(t, string(b), "stopped watching")
	assert.NotContains(t, string(b), "\x1b[31m", "NO_COLOR: clearing, but no colour")
}
