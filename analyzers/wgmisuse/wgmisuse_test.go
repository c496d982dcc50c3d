package wgmisuse_test

import (
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/wgmisuse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAddInsideGoroutine(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), wgmisuse.Analyzer, "features")
}

func TestDoneNotDeferred(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), wgmisuse.Analyzer, "trainer")
}

func TestWaitGroupByValue(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "byvalue")
}

func TestWaitInsideGoroutine(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "waitself")
}

func TestTypeErrors(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "broken")
}

func TestGuardedAndNoReturn(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "guarded")
}

func TestWaitInLoop(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), wgmisuse.Analyzer, "loops")
}

func TestAddInsideGoCalls(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), wgmisuse.Analyzer, "groups")
}

func TestHandshake(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "handshake")
}
