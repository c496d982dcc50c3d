package lockblock_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/lockblock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestModelCache(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "modelcache")
}

func TestCoordinator(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "coordinator")
}

func TestServing(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "serving")
}

func TestTypeErrors(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "broken")
}

func TestCondWaiter(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockblock.Analyzer, "workqueue")
}
