package exercises

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/analyzers/runner"
)

// TestOurCodeIsClean: the reference solutions, the sequential versions and
// the simulated world draw no findings from the analyzer suite. We teach
// this; our own code must be the example.
func TestOurCodeIsClean(t *testing.T) {
	res, err := runner.Run(context.Background(), runner.Config{
		Dir:       ".",
		Patterns:  []string{"./..."},
		Analyzers: registry.All(),
	})
	require.NoError(t, err)
	require.Empty(t, res.LoadErrors)
	for _, f := range res.Findings {
		t.Errorf("%s: %s: %s", f.Pos, f.Analyzer, f.Message)
	}
	assert.GreaterOrEqual(t, res.Packages, 7)
}
