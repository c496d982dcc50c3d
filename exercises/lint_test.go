package exercises

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// TestOurCodeIsClean: the reference solutions, the sequential versions and
// the simulated world draw no findings from the analyzer suite. We teach
// this; our own code must be the example.
func TestOurCodeIsClean(t *testing.T) {
	res, err := driver.Run(context.Background(), driver.Config{
		LoadConfig: driver.LoadConfig{Dir: ".", Patterns: []string{"./..."}},
		Options:    driver.Everything(registry.Entries()),
	})
	require.NoError(t, err)
	require.Empty(t, res.LoadErrors)
	for _, f := range res.Findings {
		t.Errorf("%s: %s: %s", f.Position, f.Analyzer, f.Message)
	}
	assert.GreaterOrEqual(t, res.Packages, 7)
}
