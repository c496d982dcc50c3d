package lockleak_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/lockleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRegistry(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockleak.Analyzer, "registry")
}

func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), lockleak.Analyzer, "fix")
}

func TestSemaphore(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockleak.Analyzer, "weighted")
	analysistest.Run(t, analysistest.TestData(), lockleak.Analyzer, "semaphore")
}

func TestPoolValues(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockleak.Analyzer, "pool")
}

func TestUnlockEveryIteration(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockleak.Analyzer, "loopexit")
}
