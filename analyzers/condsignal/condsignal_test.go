package condsignal_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/condsignal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSignalSkipped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), condsignal.Analyzer, "model")
}

func TestNeverSignalled(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), condsignal.Analyzer, "never")
}

func TestWaitOutsideLoop(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), condsignal.Analyzer, "waitloop")
}

func TestTypeErrors(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), condsignal.Analyzer, "broken")
}

func TestSignalWakesOne(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), condsignal.Analyzer, "wakesone")
}
