package droppederr_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/droppederr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheckpoint(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), droppederr.Analyzer, "checkpoint")
}

func TestServing(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), droppederr.Analyzer, "serving")
}

func TestTypeErrors(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), droppederr.Analyzer, "broken")
}
