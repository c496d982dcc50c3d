package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "asyncvet-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "asyncvet")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("build asyncvet: " + string(out))
	}
	// goleak.VerifyTestMain exits the process itself: remove the binary
	// once the tests have run.
	goleak.VerifyTestMain(cleanupAfter{m, func() { os.RemoveAll(dir) }})
}

// cleanupAfter runs the tests, then cleanup.
type cleanupAfter struct {
	m       *testing.M
	cleanup func()
}

func (c cleanupAfter) Run() int {
	defer c.cleanup()
	return c.m.Run()
}

// mod writes a throwaway module and returns its folder.
func mod(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	for name, src := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
	return dir
}

func asyncvet(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errb.String()
}

const stranded = `package infer

import (
	"errors"
	"time"
)

func predict(x []float32) float32 { return 0 }

// PredictWithTimeout strands its sender when the timeout wins.
func PredictWithTimeout(x []float32, d time.Duration) (float32, error) {
	ticker := time.NewTicker(d)
	<-ticker.C
	ch := make(chan float32)
	go func() { ch <- predict(x) }()
	select {
	case y := <-ch:
		return y, nil
	case <-time.After(d):
		return 0, errors.New("model timed out")
	}
}
`

const clean = `package infer

import "context"

// Predict honours ctx.
func Predict(ctx context.Context, in <-chan float32) (float32, error) {
	select {
	case y := <-in:
		return y, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
`

func TestStandalone(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	code, out, stderr := asyncvet(t, dir, "./...")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, out, filepath.Join("infer", "infer.go")+":12:12: ", "go vet style file:line:col: message")
	assert.Contains(t, out, "ticker")

	_, out, _ = asyncvet(t, dir, "-timerstop=false", "./...")
	assert.NotContains(t, out, "ticker", "an analyzer can be turned off")

	clean := mod(t, map[string]string{"infer/infer.go": clean})
	code, out, stderr = asyncvet(t, clean, "./...")
	assert.Equal(t, 0, code, out+stderr)
	assert.Empty(t, out)
}

func TestJSONAndSARIF(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	code, out, stderr := asyncvet(t, dir, "-json", "./...")
	assert.Equal(t, 0, code, stderr)
	var tree map[string]map[string][]map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &tree))
	require.Contains(t, tree, "example.com/m/infer")
	assert.Contains(t, tree["example.com/m/infer"], "timerstop")

	code, out, stderr = asyncvet(t, dir, "-sarif", "./...")
	assert.Equal(t, 0, code, stderr)
	var log map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	assert.Equal(t, "2.1.0", log["version"])
	runs := log["runs"].([]any)
	results := runs[0].(map[string]any)["results"].([]any)
	assert.NotEmpty(t, results)
}

func TestFix(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	_, _, stderr := asyncvet(t, dir, "-fix", "./...")
	assert.Contains(t, stderr, "applied")
	b, err := os.ReadFile(filepath.Join(dir, "infer", "infer.go"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "defer ticker.Stop()")
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the fixed code builds: %s", out)

	code, out2, _ := asyncvet(t, dir, "-only", "timerstop", "./...")
	assert.Equal(t, 0, code, "fixed: %s", out2)
}

func TestBrokenPackagesAreReportedAndTheRestAnalysed(t *testing.T) {
	dir := mod(t, map[string]string{
		"infer/infer.go":   stranded,
		"broken/broken.go": "package broken\n\nfunc F( {\n",
	})
	code, out, stderr := asyncvet(t, dir, "./...")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "broken.go", "the syntax error is reported clearly")
	assert.Contains(t, out, "infer.go", "the analyzers still ran on what type-checks")
}

func TestUsageErrors(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": clean})
	code, _, stderr := asyncvet(t, dir, "-only", "nosuch", "./...")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown analyzer "nosuch"`)
	code, _, stderr = asyncvet(t, dir, "-json", "-sarif", "./...")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "cannot be combined")
	code, out, _ := asyncvet(t, dir, "-list")
	assert.Equal(t, 0, code)
	for _, name := range []string{"unboundedgo", "chanleak", "ctxcancel", "lostcancel", "copylocks"} {
		assert.Contains(t, out, name)
	}
}

func TestAsGoVetTool(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	cmd := exec.Command("go", "vet", "-vettool="+binary, "./...")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "go vet fails on findings")
	assert.Contains(t, string(out), "infer.go:12:12")

	cmd = exec.Command("go", "vet", "-vettool="+binary, "-timerstop=false", "./...")
	cmd.Dir = dir
	out, _ = cmd.CombinedOutput()
	assert.NotContains(t, string(out), "infer.go:12:12", "analyzer flags pass through go vet")
}
