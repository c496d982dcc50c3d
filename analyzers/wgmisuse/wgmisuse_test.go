package wgmisuse_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestAddWithoutDone(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "nodone")
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

// TestRelated checks the other ends the findings point at: the skipping
// return, the branch that leads there and the Wait that blocks.
func TestRelated(t *testing.T) {
	results := analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "trainer")
	var found bool
	for _, r := range results {
		for _, d := range r.Diagnostics {
			if r.Pass.Fset.Position(d.Pos).Line != 29 {
				continue
			}
			found = true
			var msgs []string
			for _, rel := range d.Related {
				msgs = append(msgs, fmt.Sprintf("%d: %s", r.Pass.Fset.Position(rel.Pos).Line, rel.Message))
			}
			assert.Equal(t, []string{"26: returns without wg.Done", "25: the path where err != nil is true", "32: wg.Wait blocks here"}, msgs)
		}
	}
	assert.True(t, found, "the finding of Collect")
}

func TestDoneInAHelper(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "helperdone")
}

func TestDoneTwice(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "twice")
}

func TestCountedStartSkipped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), wgmisuse.Analyzer, "skipstart")
}
