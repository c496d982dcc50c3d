package golangciplugin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/golangciplugin"
	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/analyzers/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func analyzerNames(as []*analysis.Analyzer) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// build makes the plugin the way golangci-lint does: by its registered
// name, from the settings decoded from .golangci.yml.
func build(t *testing.T, settings any) ([]*analysis.Analyzer, error) {
	t.Helper()
	newPlugin, err := register.GetPlugin("asyncbook")
	require.NoError(t, err, "the package registers itself on import")
	p, err := newPlugin(settings)
	if err != nil {
		return nil, err
	}
	assert.Equal(t, register.LoadModeTypesInfo, p.GetLoadMode())
	return p.BuildAnalyzers()
}

func TestSuite(t *testing.T) {
	as, err := build(t, nil)
	require.NoError(t, err)
	assert.Equal(t, analyzerNames(registry.Ours()), analyzerNames(as), "asyncbook's own analyzers, in the registry's order")
	for _, a := range registry.GoTeam() {
		assert.NotContains(t, analyzerNames(as), a.Name, "govet runs the Go team's passes")
	}
	require.NoError(t, analysis.Validate(as))
}

func TestSettings(t *testing.T) {
	// Settings arrive as golangci-lint decodes them from YAML.
	as, err := build(t, map[string]any{"analyzers": map[string]any{"busyselect": false, "chanleak": true}})
	require.NoError(t, err)
	assert.NotContains(t, analyzerNames(as), "busyselect")
	assert.Contains(t, analyzerNames(as), "chanleak")
	assert.Len(t, as, len(registry.Ours())-1)

	allOff := map[string]any{}
	for _, a := range registry.Ours() {
		allOff[a.Name] = false
	}
	for name, tc := range map[string]struct {
		settings any
		want     string
	}{
		"unknown analyzer": {map[string]any{"analyzers": map[string]any{"chanlaek": false}}, `unknown analyzer "chanlaek"`},
		"a Go team pass":   {map[string]any{"analyzers": map[string]any{"lostcancel": false}}, "govet"},
		"unknown setting":  {map[string]any{"analyser": map[string]any{}}, "unknown field"},
		"not a bool":       {map[string]any{"analyzers": map[string]any{"chanleak": "off"}}, "decoding settings"},
		"all turned off":   {map[string]any{"analyzers": allOff}, "every analyzer is turned off"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := build(t, tc.settings)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

var wantComment = regexp.MustCompile(`// want (\w+)`)

// TestFindings runs the plugin's analyzers over a small module: every
// "// want <analyzer>" line of package buggy is reported by that analyzer
// and nothing else is, in buggy (lostcancel is govet's) or in clean.
func TestFindings(t *testing.T) {
	as, err := build(t, nil)
	require.NoError(t, err)
	dir, err := filepath.Abs(filepath.Join("testdata", "mod"))
	require.NoError(t, err)
	res, err := runner.Run(context.Background(), runner.Config{Dir: dir, Patterns: []string{"./..."}, Analyzers: as})
	require.NoError(t, err)
	require.Empty(t, res.LoadErrors)
	require.Empty(t, res.AnalyzerErrors)

	var want []string
	src, err := os.ReadFile(filepath.Join(dir, "buggy", "buggy.go"))
	require.NoError(t, err)
	for i, line := range strings.Split(string(src), "\n") {
		if m := wantComment.FindStringSubmatch(line); m != nil {
			want = append(want, fmt.Sprintf("buggy/buggy.go:%d %s", i+1, m[1]))
		}
	}
	require.Len(t, want, 2)
	var got []string
	for _, f := range res.Findings {
		rel, err := filepath.Rel(dir, f.Pos.File)
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), f.Pos.Line, f.Analyzer))
	}
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got)

	off, err := build(t, map[string]any{"analyzers": map[string]any{"timerstop": false}})
	require.NoError(t, err)
	res, err = runner.Run(context.Background(), runner.Config{Dir: dir, Patterns: []string{"./..."}, Analyzers: off})
	require.NoError(t, err)
	require.Len(t, res.Findings, 1, "timerstop turned off")
	assert.Equal(t, "chanleak", res.Findings[0].Analyzer)
}

func TestName(t *testing.T) {
	assert.Equal(t, "asyncbook", golangciplugin.Name)
}
