package doublelock_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/doublelock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheckpoint(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "checkpoint")
}

// A package that locks another package's mutex needs no import of sync.
func TestWithoutImportingSync(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), doublelock.Analyzer, "noimport")
}
