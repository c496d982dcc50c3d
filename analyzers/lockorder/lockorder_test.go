package lockorder_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/lockorder"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestServing(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockorder.Analyzer, "serving")
}

// TestRelated checks that both ends of the AB-BA cycle are related information.
func TestRelated(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), lockorder.Analyzer, "serving")
	var found bool
	for _, r := range results {
		for _, d := range r.Diagnostics {
			if r.Pass.Fset.Position(d.Pos).Line != 38 {
				continue
			}
			found = true
			var msgs []string
			for _, rel := range d.Related {
				msgs = append(msgs, fmt.Sprintf("%d: %s", r.Pass.Fset.Position(rel.Pos).Line, rel.Message))
			}
			assert.Equal(t, []string{
				"45: serving.Batcher.mu taken while holding serving.Pool.mu (line 43) through Drop (serving.go:29)",
				"36: serving.Batcher.mu locked here",
			}, msgs)
		}
	}
	assert.True(t, found, "the finding of Flush")
}
