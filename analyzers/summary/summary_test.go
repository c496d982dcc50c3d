package summary_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSummaries(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), summary.Analyzer, "chans", "user")
}
