//go:build golangci

package golangci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/driver/drivertest"
	"github.com/asyncbook/asyncbook/editors/ci/internal/citest"
)

// TestPluginAgreesWithAsyncvet runs the driver's fixture module (findings,
// findings silenced by //asyncvet:ignore, wrong directives, a settings
// file) through the golangci-lint plugin and through asyncvet: the same
// positions, messages and silenced findings. cmd/asyncvet's
// TestEntryPointsAgree does the same for go vet, the editor and check.
func TestPluginAgreesWithAsyncvet(t *testing.T) {
	bin := customLint(t)
	asyncvet := citest.Build(t, "./cmd/asyncvet")[0]
	dir := drivertest.WriteFixture(t)

	cfg := filepath.Join(t.TempDir(), ".golangci.yml")
	// uniq-by-line: false, as the example configuration has it: the
	// plugin is one linter of many analyzers, and a line may hold the
	// findings of two (a finding and its directive's).
	require.NoError(t, os.WriteFile(cfg, []byte("version: \"2\"\nlinters:\n  default: none\n  enable: [asyncbook]\n  settings:\n    custom:\n      asyncbook:\n        type: module\nissues:\n  uniq-by-line: false\n"), 0o644))
	out := filepath.Join(t.TempDir(), "issues.json")
	r := citest.Run(t, dir, []string{"GOLANGCI_LINT_CACHE=" + t.TempDir()}, bin, "run", "-c", cfg, "--output.json.path", out, "./...")
	require.Contains(t, []int{0, 1}, r.Code, "golangci-lint failed: %s %s", r.Stdout, r.Stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err, r.Stderr)
	var rep struct {
		Issues []struct {
			FromLinter string
			Text       string
			Pos        struct {
				Filename     string
				Line, Column int
			}
		}
	}
	require.NoError(t, json.Unmarshal(data, &rep))
	var lint []drivertest.Finding
	for _, is := range rep.Issues {
		analyzer, msg, ok := strings.Cut(is.Text, ": ")
		require.True(t, ok, is.Text)
		if strings.HasSuffix(analyzer, "(related information)") {
			continue // golangci-lint's copy of a finding's other end
		}
		assert.Equal(t, "asyncbook", is.FromLinter)
		file := is.Pos.Filename
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		lint = append(lint, drivertest.Finding{File: drivertest.Relative(dir, file), Line: is.Pos.Line, Col: is.Pos.Column, Analyzer: analyzer, Message: msg})
	}

	v := citest.Run(t, dir, nil, asyncvet, "-json", "./...")
	require.Equal(t, 0, v.Code, v.Stderr)
	standalone, err := drivertest.ParseVetJSON(dir, []byte(v.Stdout))
	require.NoError(t, err)
	assert.Equal(t, drivertest.Wants(t, dir), drivertest.Got(standalone))
	assert.Equal(t, drivertest.Strings(standalone), drivertest.Strings(lint), "golangci-lint's plugin and asyncvet")
}
