package chanleak_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/asyncbook/asyncbook/analyzers/chanleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStrandedSender(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), chanleak.Analyzer, "inference")
}

func TestFirstErrorReturn(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), chanleak.Analyzer, "fanout")
}

func TestProducerBlocked(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "loader")
}

func TestServing(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), chanleak.Analyzer, "serving")
}

func TestRangeNeverClosed(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "pipeline", "servemain")
}

// TestEdgeShapes walks generics, labels, nested goroutines and escaping
// channels: no panic and no diagnostic.
func TestEdgeShapes(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "edge")
}

// TestTypeErrors runs the analyzer on code that does not type-check, as an
// editor does while the user types: no panic, no diagnostics built on
// invalid types.
func TestTypeErrors(t *testing.T) {
	a := *chanleak.Analyzer
	a.RunDespiteErrors = true
	results := analysistest.Run(t, analysistest.TestData(), &a, "broken")
	require.Len(t, results, 1)
	assert.NoError(t, results[0].Err)
}

func TestConstantBufferForInputSizedFanOut(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), chanleak.Analyzer, "smallbuffer")
}

func TestNamedGoroutines(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "named")
}

func TestFieldsNeverServed(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "fields")
}

func TestReturnedChannelDropped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "dropped")
}

func TestNeverSignalled(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "signal")
}

func TestReceiverMayStop(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "stops")
}

func TestSendsThroughCalls(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "calls")
}

func TestCancelOwnerDropped(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "lifetime")
}

func TestBufferOverfilled(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "overfill")
}

func TestReturnedChannelStranded(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "returned")
}

// TestEarlyExit covers receive loops left before the last value: named and
// literal senders, with counted exits, drains and full buffers that are fine.
func TestEarlyExit(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "earlyexit")
}

// TestFeederStranded covers feeders of worker pools whose workers may all
// leave their range early, and pools that drain, cancel or buffer.
func TestFeederStranded(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "feeder")
}

func TestGeneratorTakenOnce(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "takesone")
}

func TestReceiverFieldChannels(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "receiverfield")
}

func TestSelectsAndJoins(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "joins")
}

func TestNilChannel(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), chanleak.Analyzer, "nilchan", "nilchanmain")
}
