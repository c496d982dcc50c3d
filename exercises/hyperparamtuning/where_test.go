package hyperparamtuning

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// The broken versions below are Sequential with one mistake each, on the
// line marked with a //where: comment that the failure must point at.

func whereDoubleRelease(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	stopper := NewMedianStopper(cfg.Stop)
	results := make([]TrialResult, len(trials))
	for i, t := range trials {
		acc, err := pool.Acquire(ctx)
		if err != nil {
			return Result{}, err
		}
		res := TrialResult{Trial: i, Name: t.Name}
		for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
			loss, err := t.TrainEpoch(ctx, acc, epoch)
			if err != nil {
				acc.Release()
				return Result{}, err
			}
			res.Epochs, res.Loss = epoch, loss
			if slices.Contains(stopper.Report(i, epoch, loss), i) {
				res.Stopped = true
				acc.Release() // and again below: the second is the misuse
				break
			}
		}
		stopper.Finish(i)
		acc.Release() //where:double
		results[i] = res
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

// whereDeafEpochs trains every epoch of a trial it started, cancelled or not.
func whereDeafEpochs(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	results := make([]TrialResult, len(trials))
	for i, t := range trials {
		acc, err := pool.Acquire(ctx)
		if err != nil {
			return Result{}, err
		}
		res := TrialResult{Trial: i, Name: t.Name}
		for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
			loss, err := t.TrainEpoch(context.WithoutCancel(ctx), acc, epoch) //where:deaf
			if err != nil {
				acc.Release()
				return Result{}, err
			}
			res.Epochs, res.Loss = epoch, loss
		}
		acc.Release()
		results[i] = res
	}
	return Summarize(results, cfg.MaxEpochs), ctx.Err()
}

// whereKeeps returns on an error without releasing its device.
func whereKeeps(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	results := make([]TrialResult, len(trials))
	for i, t := range trials {
		acc, err := pool.Acquire(ctx) //where:acquire
		if err != nil {
			return Result{}, err
		}
		res := TrialResult{Trial: i, Name: t.Name}
		for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
			loss, err := t.TrainEpoch(ctx, acc, epoch)
			if err != nil {
				return Result{}, err
			}
			res.Epochs, res.Loss = epoch, loss
		}
		acc.Release()
		results[i] = res
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

func assertAt(t *testing.T, r suite.Result, file string, line int, note string) {
	t.Helper()
	require.False(t, r.Pass, "%s should fail", r.Property)
	require.NotEmpty(t, r.Where, "%s: the suite knows the call responsible", r.Property)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File, "%s: %+v", r.Property, w)
		assert.Equal(t, line, w.Line, "%s: %+v", r.Property, w)
		assert.Contains(t, w.Note, note, "%s: %+v", r.Property, w)
	}
}

func TestWherePointsAtTheCallResponsible(t *testing.T) {
	file, double := suitetest.MarkedLine(t, "double")
	_, deaf := suitetest.MarkedLine(t, "deaf")
	_, acquire := suitetest.MarkedLine(t, "acquire")

	for _, p := range []string{"slot-limit", "slots-released"} {
		assertAt(t, suitetest.CheckOne(t, Suite(), p, whereDoubleRelease), file, double, "released although not held")
	}
	assertAt(t, suitetest.CheckOne(t, Suite(), "cancelled-between-epochs", whereDeafEpochs), file, deaf, "after ctx was cancelled")
	assertAt(t, suitetest.CheckOne(t, Suite(), "cancellation", whereKeeps), file, acquire, "still held when the search returned")
}

func TestWhereIsEmptyWhenNoCallIsToBlame(t *testing.T) {
	for _, r := range Suite().Check(solution) {
		assert.True(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
	// Too little parallelism is no one call's doing.
	for _, r := range Suite().Check(Sequential) {
		if !r.Pass {
			assert.Empty(t, r.Where, r.Property)
		}
	}
}
