package lockkernels

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestKernels runs the lock rules over the GoKer kernels: every finding has
// a verdict, every verdict a finding, and the rules find at least 15
// resource deadlocks at their bug.
func TestKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the toolchain's kernels")
	}
	ctx := context.Background()
	dir, err := Dir(ctx)
	require.NoError(t, err)
	kernels, err := Kernels(dir)
	require.NoError(t, err)
	findings, err := Run(ctx, dir, Analyzers())
	require.NoError(t, err)
	vs, err := LoadVerdicts("verdicts.tsv")
	require.NoError(t, err)
	seen := map[string]bool{}
	var todo []string
	for _, f := range findings {
		if _, ok := Judge(vs, f); !ok {
			todo = append(todo, fmt.Sprintf("TODO\t%s\t%d\t%s\t%s", f.File, f.Line, f.Analyzer, f.Message))
		}
		seen[f.key()] = true
	}
	assert.Empty(t, todo, "findings without a verdict in verdicts.tsv:\n%s", strings.Join(todo, "\n"))
	for k := range vs {
		assert.True(t, seen[k], "verdict %s has no finding any more", k)
	}
	s := Measure(kernels, findings, vs)
	t.Logf("%d of %d resource kernels at the bug; %d findings off the bug", s.ResourceAtBug, s.Resource, s.OffBug)
	assert.GreaterOrEqual(t, s.ResourceAtBug, 15)
}

func TestKernelsReadme(t *testing.T) {
	dir, err := Dir(context.Background())
	require.NoError(t, err)
	kernels, err := Kernels(dir)
	require.NoError(t, err)
	byName := map[string]Kernel{}
	resource := 0
	for _, k := range kernels {
		byName[k.Name] = k
		if k.Resource() {
			resource++
		}
	}
	assert.Equal(t, Kernel{Name: "Cockroach/10214", File: "cockroach10214.go", Type: "Resource", SubType: "AB-BA leak"}, byName["Cockroach/10214"])
	assert.False(t, byName["Etcd/6873"].Resource())
	assert.Equal(t, 24, resource)
}

func TestLoadVerdictsRejectsBadLines(t *testing.T) {
	for name, line := range map[string]string{
		"kind":   "maybe\ta.go\t1\tlockleak\twhy\n",
		"no why": "at-bug\ta.go\t1\tlockleak\t \n",
		"line":   "at-bug\ta.go\tone\tlockleak\twhy\n",
	} {
		path := t.TempDir() + "/v.tsv"
		require.NoError(t, writeFile(path, line))
		_, err := LoadVerdicts(path)
		assert.Error(t, err, name)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
