package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/workbook"
)

// A copy with an unsynchronised shared index: check runs the suite with the
// race detector, fails the property no-data-races and names both lines; the
// JSON report carries the races.
func TestCheckReportsDataRaces(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	racy, err := os.ReadFile(filepath.Join("..", "..", "workbook", "testdata", "dynamic", "racy", "solve.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "batchinference", "solve.go"), racy, 0o644))

	r = runCLI(t, ws, "check", "batch-inference", "--no-speedup")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "building with the race detector (first time is slow)")
	assert.Contains(t, r.stdout, "FAIL no-data-races")
	assert.Contains(t, r.stdout, "Data races (found by the race detector)")
	assert.Contains(t, r.stdout, "practice/batchinference/solve.go:26  read in")
	assert.Contains(t, r.stdout, "races with practice/batchinference/solve.go:30  write in")
	assert.Contains(t, r.stdout, "in the goroutine started at practice/batchinference/solve.go:23")
	assert.Contains(t, r.stdout, "data race(s)")

	r = runCLI(t, ws, "check", "--json", "--no-speedup")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	var res workbook.CheckResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.NotEmpty(t, res.Races)
	assert.Contains(t, res.Detectors, "race")
	assert.False(t, res.Passed)
}

// A copy whose senders block forever once Solve stops receiving: check
// names the go statement, what the goroutines are blocked on, and that the
// goroutine-leak profile proved it.
func TestCheckReportsProvenLeaks(t *testing.T) {
	ws := workspaceCopy(t)
	r := runCLI(t, ws, "start", "batch-inference")
	require.Equal(t, 0, r.code, r.stderr)
	leaky, err := os.ReadFile(filepath.Join("..", "..", "workbook", "testdata", "dynamic", "leaky", "solve.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "practice", "batchinference", "solve.go"), leaky, 0o644))

	r = runCLI(t, ws, "check", "batch-inference", "--no-speedup")
	assert.Equal(t, 1, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Leaked goroutines")
	assert.Regexp(t, `practice/batchinference/solve\.go:25  started \d+ goroutines? blocked forever on send to found \(proven by the goroutine-leak profile after [a-z-]+\)`, r.stdout)
	assert.Regexp(t, `leaked goroutines?\b`, r.stdout)
}
