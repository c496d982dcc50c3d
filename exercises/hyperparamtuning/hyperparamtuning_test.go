package hyperparamtuning

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// concurrencyProperties are the properties Sequential must fail: the point
// of the exercise.
var concurrencyProperties = []string{"pool-busy", "stop-by-cancellation"}

func TestSolutionPassesEveryProperty(t *testing.T) { suitetest.SolutionPasses(t, Suite(), solution) }

func TestSequentialFailsConcurrencyProperties(t *testing.T) {
	suitetest.SequentialFails(t, Suite(), Sequential, concurrencyProperties...)
}

func TestSuiteRun(t *testing.T) {
	Suite().Run(t, solution)
}

func TestMedianStopper(t *testing.T) {
	s := NewMedianStopper(StopRule{Grace: 2, MinPeers: 2})
	// Epoch 1 is within the grace period: no one stops.
	for trial, loss := range []float64{0.9, 0.5, 0.7} {
		assert.Empty(t, s.Report(trial, 1, loss))
	}
	// At epoch 2, trial 0 is first: no peers yet.
	assert.Empty(t, s.Report(0, 2, 0.8))
	assert.Empty(t, s.Report(1, 2, 0.4), "one peer is fewer than MinPeers")
	// Trial 2's report gives trial 0 two peers (median 0.5): trial 0 stops,
	// though the report was not its own.
	assert.Equal(t, []int{0}, s.Report(2, 2, 0.6))
	// Trial 3's report lowers the median of trial 2's peers to 0.45: trial 2
	// (0.6) stops now, in the middle of its next epoch.
	assert.Equal(t, []int{2}, s.Report(3, 2, 0.45))
	assert.Empty(t, s.Report(0, 3, 0.1), "a stopped trial is not returned again")

	// Reports of ended trials still count as peers.
	s.Finish(1)
	assert.Equal(t, []int{4}, s.Report(4, 2, 0.95))
	assert.Empty(t, s.Report(5, 2, 0.1), "the best so far never stops")
}

func TestMedianStopperNeverStopsTheBestTrial(t *testing.T) {
	w := newPropertyWorld()
	best := w.bestTrial()
	s := NewMedianStopper(w.cfg.Stop)
	// Interleave every trial's reports epoch by epoch, as a wide pool would.
	for epoch := 1; epoch <= w.cfg.MaxEpochs; epoch++ {
		for i, tr := range w.trials {
			assert.NotContains(t, s.Report(i, epoch, tr.Loss(epoch)), best)
		}
	}
}

func TestSummarize(t *testing.T) {
	r := Summarize([]TrialResult{
		{Trial: 0, Epochs: 3, Loss: 0.1, Stopped: true},
		{Trial: 1, Epochs: 5, Loss: 0.4},
		{Trial: 2, Epochs: 5, Loss: 0.3},
	}, 5)
	assert.Equal(t, 2, r.Best.Trial, "a stopped trial's early loss does not count")
	assert.Equal(t, -1, Summarize(nil, 5).Best.Trial)
}

// TestWorkloadChecksResults: the benchmark's workload rejects a wrong
// result. The wrong one is wrong in every run: results appended in
// completion order (boundaryPool's appendResults) can come out in trial
// order when the workload's equal trials finish in turn, which a loaded
// machine made happen once.
func TestWorkloadChecksResults(t *testing.T) {
	require.NoError(t, Workload(context.Background(), solution))
	swapped := func(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
		r, err := solution(ctx, pool, trials, cfg)
		if len(r.Trials) > 1 {
			r.Trials[0], r.Trials[1] = r.Trials[1], r.Trials[0]
		}
		return r, err
	}
	assert.ErrorContains(t, Workload(context.Background(), swapped), "check search: result 0 is for trial 1")
	require.NoError(t, Workload(context.Background(), Sequential))
}

func TestIdealSpeedup(t *testing.T) {
	assert.InDelta(t, 4.0, IdealSpeedup, 1e-9)
}
