//go:build golangci

// Package golangci_test builds golangci-lint with asyncbook's module plugin
// from .custom-gcl.yml and runs it, with the example configuration, over a
// module with bugs and a clean one. It builds a golangci-lint binary
// (minutes on a cold build cache), so it only runs with -tags golangci:
// editors/ci/test.sh runs it.
package golangci_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		citest.Cleanup()
		os.Exit(code)
	}))
}

// customLint builds (or takes from the cache) the custom golangci-lint.
func customLint(t *testing.T) string {
	t.Helper()
	root := citest.Root(t)
	customgcl := citest.Build(t, "./editors/ci/cmd/customgcl")[0]
	config := filepath.Join(root, "editors", "ci", "golangci", ".custom-gcl.yml")
	key := citest.Run(t, root, nil, customgcl, "-config", config, "-key")
	require.Equal(t, 0, key.Code, key.Stderr)
	bin := filepath.Join(t.TempDir(), "custom-gcl")
	r := citest.Run(t, root, nil, customgcl, "-config", config, "-o", bin)
	require.Equal(t, 0, r.Code, "build the custom golangci-lint: %s", r.Stderr)
	assert.Equal(t, bin, strings.TrimSpace(r.Stdout))
	t.Logf("%s", strings.TrimSpace(r.Stderr))

	v := citest.Run(t, root, nil, bin, "version")
	require.Equal(t, 0, v.Code, v.Stderr)
	assert.Contains(t, v.Stdout+v.Stderr, "2.15.0-custom-gcl-"+strings.TrimSpace(key.Stdout), "the binary carries its source key")
	return bin
}

type issue struct {
	FromLinter string
	Text       string
	Pos        struct {
		Filename string
		Line     int
	}
}

// copyModule copies testdata/<module> into a new folder and returns it.
func copyModule(t *testing.T, module string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), module)
	src, err := filepath.Abs(filepath.Join("testdata", module))
	require.NoError(t, err)
	files := map[string]string{}
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		files[e.Name()] = string(b)
	}
	citest.WriteFiles(t, dir, files)
	return dir
}

// lint runs the binary over a copy of testdata/<module> with config and
// returns the exit code and the issues.
func lint(t *testing.T, bin, module, config string) (int, []issue) {
	t.Helper()
	dir := copyModule(t, module)
	out := filepath.Join(t.TempDir(), "issues.json")
	r := citest.Run(t, dir, []string{"GOLANGCI_LINT_CACHE=" + t.TempDir()}, bin, "run", "-c", config, "--output.json.path", out, "./...")
	require.Contains(t, []int{0, 1}, r.Code, "golangci-lint failed: %s %s", r.Stdout, r.Stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err, r.Stderr)
	var rep struct{ Issues []issue }
	require.NoError(t, json.Unmarshal(data, &rep))
	return r.Code, rep.Issues
}

var wantComment = regexp.MustCompile(`// want (\w+) (\w+)`)

// wants reads the "// want <linter> <analyzer>" comments of testdata/buggy.
func wants(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "buggy", "buggy.go"))
	require.NoError(t, err)
	var out []string
	for i, line := range strings.Split(string(src), "\n") {
		if m := wantComment.FindStringSubmatch(line); m != nil {
			out = append(out, fmt.Sprintf("%d %s %s", i+1, m[1], m[2]))
		}
	}
	sort.Strings(out)
	return out
}

// got lists issues as "line linter analyzer", leaving out golangci-lint's
// copies of related information, which point at the other end.
func got(issues []issue) []string {
	var out []string
	for _, is := range issues {
		analyzer, _, _ := strings.Cut(is.Text, ":")
		if strings.HasSuffix(analyzer, "(related information)") {
			continue
		}
		out = append(out, fmt.Sprintf("%d %s %s", is.Pos.Line, is.FromLinter, analyzer))
	}
	sort.Strings(out)
	return out
}

// withSettings writes the example configuration with the plugin settings
// given, the way a team would edit it.
func withSettings(t *testing.T, settings map[string]any) string {
	t.Helper()
	data, err := os.ReadFile("golangci.example.yml")
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	plugin := cfg["linters"].(map[string]any)["settings"].(map[string]any)["custom"].(map[string]any)["asyncbook"].(map[string]any)
	plugin["settings"] = settings
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), ".golangci.yml")
	require.NoError(t, os.WriteFile(file, out, 0o644))
	return file
}

func TestCustomGolangciLint(t *testing.T) {
	bin := customLint(t)
	example, err := filepath.Abs("golangci.example.yml")
	require.NoError(t, err)

	// chanleak is in the strict profile: the example's settings plus
	// chanleak, as a team that wants it turns it on.
	withChanleak := withSettings(t, map[string]any{"analyzers": map[string]any{"chanleak": true}})

	t.Run("reports asyncbook's findings on a module with bugs", func(t *testing.T) {
		code, issues := lint(t, bin, "buggy", withChanleak)
		assert.Equal(t, 1, code)
		assert.Equal(t, wants(t), got(issues))
		for _, is := range issues {
			assert.Equal(t, "buggy.go", filepath.Base(is.Pos.Filename))
		}
	})

	t.Run("silent on a clean module", func(t *testing.T) {
		code, issues := lint(t, bin, "clean", example)
		assert.Equal(t, 0, code)
		assert.Empty(t, issues)
	})

	t.Run("settings turn an analyzer off", func(t *testing.T) {
		code, issues := lint(t, bin, "buggy", withSettings(t, map[string]any{"analyzers": map[string]any{"chanleak": true, "timerstop": false}}))
		assert.Equal(t, 1, code)
		var want []string
		for _, w := range wants(t) {
			if !strings.HasSuffix(w, " timerstop") {
				want = append(want, w)
			}
		}
		assert.Equal(t, want, got(issues))
	})

	t.Run("--fix applies the suggested fixes", func(t *testing.T) {
		dir := copyModule(t, "buggy")
		cfg := filepath.Join(t.TempDir(), ".golangci.yml")
		require.NoError(t, os.WriteFile(cfg, []byte("version: \"2\"\nlinters:\n  default: none\n  enable: [asyncbook]\n  settings:\n    custom:\n      asyncbook:\n        type: module\n        settings:\n          analyzers:\n            chanleak: true\n"), 0o644))
		r := citest.Run(t, dir, []string{"GOLANGCI_LINT_CACHE=" + t.TempDir()}, bin, "run", "-c", cfg, "--fix", "./...")
		require.Contains(t, []int{0, 1}, r.Code, r.Stdout+r.Stderr)
		fixed, err := os.ReadFile(filepath.Join(dir, "buggy.go"))
		require.NoError(t, err)
		assert.Contains(t, string(fixed), "defer t.Stop()")
		assert.Contains(t, string(fixed), "make(chan int, 1)")
		r = citest.Run(t, dir, []string{"GOLANGCI_LINT_CACHE=" + t.TempDir()}, bin, "run", "-c", cfg, "./...")
		assert.Equal(t, 0, r.Code, "nothing left once fixed: %s", r.Stdout)
	})

	t.Run("a misspelt analyzer stops the run", func(t *testing.T) {
		dir := t.TempDir()
		citest.WriteFiles(t, dir, map[string]string{"go.mod": "module example.com/x\n\ngo 1.26\n", "x.go": "package x\n"})
		r := citest.Run(t, dir, []string{"GOLANGCI_LINT_CACHE=" + t.TempDir()}, bin, "run", "-c", withSettings(t, map[string]any{"analyzers": map[string]any{"timerstpo": false}}), "./...")
		assert.NotEqual(t, 0, r.Code)
		assert.Contains(t, r.Stdout+r.Stderr, `unknown analyzer "timerstpo"`)
	})
}
