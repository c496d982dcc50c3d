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

func govet(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"vet", "-vettool=" + binary}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, string(out)
}

// silenced has a finding silenced by a directive, and a directive that
// silences nothing.
const silenced = `package infer

import "time"

// Tick waits for one tick; the process exits right after.
func Tick(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore timerstop the process exits after one tick
	<-t.C
}

// Other has a stale directive.
func Other() {
	x := 1 //asyncvet:ignore wgmisuse there was a goroutine here once
	_ = x
}
`

func TestPlainOutputNamesTheAnalyzer(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	_, out, _ := asyncvet(t, dir, "-profile=strict", "./...") // chanleak is in the strict profile
	assert.Contains(t, out, filepath.Join("infer", "infer.go")+":12:12: ")
	assert.Regexp(t, `infer.go:12:12: .*ticker.* \(timerstop\)\n`, out, "the name an ignore directive takes")
	assert.Regexp(t, `infer.go:15:\d+: .* \(chanleak\)\n`, out)
}

func TestDirectivesAreTheSameStandaloneAndInGoVet(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": silenced})
	code, out, stderr := asyncvet(t, dir, "./...")
	assert.Equal(t, 1, code, stderr)
	assert.NotContains(t, out, "infer.go:7:", "the directive silences timerstop")
	assert.Contains(t, out, "infer.go:13:9: //asyncvet:ignore wgmisuse silences nothing: wgmisuse reports nothing on this line (ignore)")
	assert.Equal(t, 1, strings.Count(out, "\n"), out)

	code, vout := govet(t, dir, "./...")
	assert.NotEqual(t, 0, code)
	assert.NotContains(t, vout, "infer.go:7:", "go vet honours the directive too")
	assert.Contains(t, vout, "infer.go:13:9: //asyncvet:ignore wgmisuse silences nothing")

	code, vout = govet(t, dir, "-ignore=false", "./...")
	assert.Equal(t, 0, code, vout)
}

func TestSettingsFileAndProfile(t *testing.T) {
	dir := mod(t, map[string]string{"infer/infer.go": stranded})
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".asyncbook.json"), []byte(`{"analyzers": {"timerstop": false, "chanleak": true}}`), 0o644))
	_, out, _ := asyncvet(t, dir, "./...")
	assert.NotContains(t, out, "(timerstop)", "the settings file turns it off")
	assert.Contains(t, out, "(chanleak)")
	_, out, _ = asyncvet(t, dir, "-timerstop", "./...")
	assert.Contains(t, out, "(timerstop)", "a flag goes on top of the file")
	_, vout := govet(t, dir, "./...")
	assert.NotContains(t, vout, "infer.go:12:12", "go vet reads the same file")
	assert.Contains(t, vout, "infer.go:15:")

	require.NoError(t, os.WriteFile(filepath.Join(dir, ".asyncbook.json"), []byte(`{"analyzers": {"timerstpo": false}}`), 0o644))
	code, _, stderr := asyncvet(t, dir, "./...")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown analyzer "timerstpo": did you mean "timerstop"?`)
	_, vout = govet(t, dir, "./...")
	assert.Contains(t, vout, `unknown analyzer "timerstpo"`, "go vet reports the broken file as a finding")

	code, _, stderr = asyncvet(t, dir, "-profile=loud", "./...")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown profile "loud"`)
	code, vout = govet(t, dir, "-profile=loud", "./...")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, vout, `unknown profile "loud"`)
}

func TestLoadErrorsOnceWithoutInternalNoise(t *testing.T) {
	dir := mod(t, map[string]string{
		"infer/infer.go":      stranded,
		"typeerr/t.go":        "package typeerr\n\nfunc F() int { return \"x\" }\n",
		"typeerr/t_test.go":   "package typeerr\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n",
		"user/user.go":        "package user\n\nimport \"example.com/m/typeerr\"\n\nfunc G() int { return typeerr.F() }\n",
		"broken/broken.go":    "package broken\n\nfunc F( {\n",
		"broken/broken2.go":   "package broken\n",
		"infer/infer_test.go": "package infer\n",
	})
	code, out, stderr := asyncvet(t, dir, "./...")
	assert.Equal(t, 2, code)
	assert.Equal(t, 1, strings.Count(stderr, `cannot use "x"`), "each error once: %s", stderr)
	assert.NotContains(t, stderr, "prerequisites")
	assert.NotContains(t, stderr, "@")
	assert.Contains(t, stderr, "broken.go")
	assert.Contains(t, out, "(timerstop)")
}
