package hyperparamtuning

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// lossOnly runs the median rule on Trial.Loss, which computes a trial's
// loss after an epoch without training it, and never touches the pool.
func lossOnly(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	stopper := NewMedianStopper(cfg.Stop)
	results := make([]TrialResult, len(trials))
	for i, t := range trials {
		res := TrialResult{Trial: i, Name: t.Name}
		for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
			res.Epochs, res.Loss = epoch, t.Loss(epoch)
			if slices.Contains(stopper.Report(i, epoch, res.Loss), i) {
				res.Stopped = true
				break
			}
		}
		stopper.Finish(i)
		results[i] = res
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

func TestCheatLossWithoutTraining(t *testing.T) {
	r := suitetest.CheckOne(t, Suite(), "best-trial", lossOnly)
	assert.False(t, r.Pass, "best-trial passed: %s", r.Observed)
	assert.Contains(t, r.Observed, "never trained")
	assert.ErrorContains(t, Workload(context.Background(), lossOnly), "never trained")
}
