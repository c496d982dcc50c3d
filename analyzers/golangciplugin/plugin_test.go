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
	"golang.org/x/tools/go/analysis/checker"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/golangciplugin"
	"github.com/asyncbook/asyncbook/analyzers/registry"
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
	assert.Equal(t, append(analyzerNames(registry.Ours()), driver.IgnoreName), analyzerNames(as), "asyncbook's own analyzers, in the registry's order, then the directives' check")
	for _, a := range registry.GoTeam() {
		assert.NotContains(t, analyzerNames(as), a.Name, "govet runs the Go team's passes")
	}
	require.NoError(t, analysis.Validate(as))
}

func TestSettings(t *testing.T) {
	// Settings arrive as golangci-lint decodes them from YAML; what they
	// turn off reports nothing (TestFindings), as the suite stays whole.
	_, err := build(t, map[string]any{"profile": "strict", "analyzers": map[string]any{"busyselect": false, "chanleak": true, "ignore": false}})
	require.NoError(t, err)

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
		"unknown profile":  {map[string]any{"profile": "loud"}, `unknown profile "loud"`},
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

// run runs the analyzers over the module as golangci-lint does: the
// analysis framework over loaded packages, the diagnostics of the roots.
func run(t *testing.T, dir string, as []*analysis.Analyzer) []string {
	t.Helper()
	pkgs, err := driver.Load(context.Background(), driver.LoadConfig{Dir: dir, Patterns: []string{"./..."}})
	require.NoError(t, err)
	g, err := checker.Analyze(as, pkgs, nil)
	require.NoError(t, err)
	var got []string
	for _, act := range g.Roots {
		require.NoError(t, act.Err)
		for _, d := range act.Diagnostics {
			p := act.Package.Fset.Position(d.Pos)
			rel, err := filepath.Rel(dir, p.Filename)
			require.NoError(t, err)
			got = append(got, fmt.Sprintf("%s:%d %s", filepath.ToSlash(rel), p.Line, act.Analyzer.Name))
		}
	}
	sort.Strings(got)
	return got
}

// TestFindings runs the plugin's analyzers over a small module: every
// "// want <analyzer>" line of package buggy is reported by that analyzer
// and nothing else is, in buggy (lostcancel is govet's) or in clean; a
// directive silences its finding, a stale one is reported.
func TestFindings(t *testing.T) {
	// chanleak is in the strict profile: turned on here, as a team would.
	as, err := build(t, map[string]any{"analyzers": map[string]any{"chanleak": true}})
	require.NoError(t, err)
	dir, err := filepath.Abs(filepath.Join("testdata", "mod"))
	require.NoError(t, err)

	var want []string
	src, err := os.ReadFile(filepath.Join(dir, "buggy", "buggy.go"))
	require.NoError(t, err)
	for i, line := range strings.Split(string(src), "\n") {
		if m := wantComment.FindStringSubmatch(line); m != nil {
			want = append(want, fmt.Sprintf("buggy/buggy.go:%d %s", i+1, m[1]))
		}
	}
	require.Len(t, want, 3)
	sort.Strings(want)
	assert.Equal(t, want, run(t, dir, as))

	off, err := build(t, map[string]any{"analyzers": map[string]any{"chanleak": true, "timerstop": false}})
	require.NoError(t, err)
	var left []string
	for _, w := range want {
		if !strings.HasSuffix(w, " timerstop") {
			left = append(left, w)
		}
	}
	assert.Equal(t, left, run(t, dir, off), "timerstop turned off")
}

func TestName(t *testing.T) {
	assert.Equal(t, "asyncbook", golangciplugin.Name)
}
