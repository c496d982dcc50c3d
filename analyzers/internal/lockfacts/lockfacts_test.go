package lockfacts_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSummaries checks the fact each function exports: what it does to
// the locks of its receiver, parameters and package variables.
func TestSummaries(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockfacts.Analyzer, "sums")
}
