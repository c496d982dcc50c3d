package main

import (
	"bufio"
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

// TestWatchRechecksOnSave runs `asyncbook watch`, saves the reference
// solution into the practice copy, sees the re-check pass, and stops it with
// an interrupt.
func TestWatchRechecksOnSave(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)

	cmd := exec.Command(binary, "watch", "batch-inference", "--interval", "100ms")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string)
	go func() { // owned by this test: ends when the process closes stdout
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	waitFor := func(substr string) {
		t.Helper()
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case l, ok := <-lines:
				require.True(t, ok, "watch exited before printing %q", substr)
				if strings.Contains(l, substr) {
					return
				}
			case <-deadline:
				require.Failf(t, "timeout", "watch never printed %q", substr)
			}
		}
	}
	waitFor("NOT YET")
	waitFor("waiting for the next save")

	w, err := workbook.Open(ws)
	require.NoError(t, err)
	e, err := w.Lookup("batch-inference")
	require.NoError(t, err)
	ref, err := w.ReferenceSource(e)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "batchinference", "solve.go"), ref, 0o644))
	waitFor("PASSED")
	waitFor("waiting for the next save")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	waitFor("stopped watching")
	for range lines {
	}
	assert.NoError(t, cmd.Wait())
}
