package hyperparamtuning

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

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

// feed hands out the indices 0..n-1 on next and closes it.
func feed(ctx context.Context, n int, next chan<- int) error {
	defer close(next)
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// unboundedTrials starts every trial at once, each asking the pool for a
// device: the pool refuses all but four.
func unboundedTrials(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	results := make([]TrialResult, len(trials))
	g, gctx := errgroup.WithContext(ctx)
	for i, tr := range trials {
		g.Go(func() error { //asyncvet:ignore unboundedgo deliberately unbounded: the suite must catch it
			acc, err := pool.Acquire(gctx)
			if err != nil {
				return fmt.Errorf("acquire accelerator for %s: %w", tr.Name, err)
			}
			defer acc.Release()
			res := TrialResult{Trial: i, Name: tr.Name}
			for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
				loss, err := tr.TrainEpoch(gctx, acc, epoch)
				if err != nil {
					return err
				}
				res.Epochs, res.Loss = epoch, loss
			}
			results[i] = res
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

// boundaryPool is a correct worker pool that consults a mutex-guarded
// stopper after each epoch. A trial stopped by another's report learns it
// only at the end of its epoch, so stops never interrupt an epoch. With
// stopping false it never stops a trial; with appendResults it collects
// results in completion order; with perTrialSlot it acquires a device per
// trial and forgets to release it when the trial is stopped.
func boundaryPool(stopping, appendResults, perTrialSlot bool) Impl {
	return func(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
		var mu sync.Mutex
		stopper := NewMedianStopper(cfg.Stop)
		stopped := map[int]bool{}
		results := make([]TrialResult, len(trials))
		var done []TrialResult
		g, gctx := errgroup.WithContext(ctx)
		next := make(chan int)
		g.Go(func() error { return feed(gctx, len(trials), next) })
		trainOne := func(acc *Accelerator, i int) (TrialResult, error) {
			tr := trials[i]
			res := TrialResult{Trial: i, Name: tr.Name}
			for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
				loss, err := tr.TrainEpoch(gctx, acc, epoch)
				if err != nil {
					return res, err
				}
				res.Epochs, res.Loss = epoch, loss
				if !stopping {
					continue
				}
				mu.Lock()
				for _, s := range stopper.Report(i, epoch, loss) {
					stopped[s] = true
				}
				stop := stopped[i]
				mu.Unlock()
				if stop {
					res.Stopped = true
					break
				}
			}
			mu.Lock()
			stopper.Finish(i)
			if appendResults {
				done = append(done, res)
			} else {
				results[i] = res
			}
			mu.Unlock()
			return res, nil
		}
		for range pool.Size() {
			g.Go(func() error {
				if perTrialSlot {
					for i := range next {
						acc, err := pool.Acquire(gctx)
						if err != nil {
							return fmt.Errorf("acquire accelerator: %w", err)
						}
						res, err := trainOne(acc, i)
						if err != nil {
							acc.Release()
							return err
						}
						if !res.Stopped { // the leak: a stopped trial keeps its device
							acc.Release()
						}
					}
					return nil
				}
				acc, err := pool.Acquire(gctx)
				if err != nil {
					return fmt.Errorf("acquire accelerator: %w", err)
				}
				defer acc.Release()
				for i := range next {
					if _, err := trainOne(acc, i); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return Result{}, err
		}
		if appendResults {
			results = done
		}
		return Summarize(results, cfg.MaxEpochs), nil
	}
}

// ignoresCtx is the solution with the caller's context swapped for one
// that is never cancelled.
func ignoresCtx(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	res, err := solution(context.WithoutCancel(ctx), pool, trials, cfg)
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// progressWatcher starts a goroutine that lives as long as the caller's
// context, not as long as the search.
func progressWatcher(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	go func() {
		<-ctx.Done()
	}()
	return solution(ctx, pool, trials, cfg)
}

func TestPropertiesHaveTeeth(t *testing.T) {
	cases := []struct {
		impl     Impl
		name     string
		property string
	}{
		{unboundedTrials, "one goroutine per trial", "slot-limit"},
		{boundaryPool(false, false, false), "no early stopping", "early-stopping"},
		{boundaryPool(true, false, false), "stops only at epoch boundaries", "stop-by-cancellation"},
		{boundaryPool(true, true, false), "results in completion order", "best-trial"},
		{boundaryPool(true, false, true), "stopped trial keeps its device", "slots-released"},
		{ignoresCtx, "caller's context ignored", "cancellation"},
		{progressWatcher, "goroutine outlives the search", "no-leaked-goroutines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := suitetest.CheckOne(t, Suite(), c.property, c.impl)
			assert.False(t, r.Pass, "%s should fail %s", c.name, c.property)
		})
	}
}

func TestBoundaryPoolIsANearMiss(t *testing.T) {
	// Stopping at epoch boundaries is a correct, concurrent search: it only
	// misses the prompt stop.
	impl := boundaryPool(true, false, false)
	for _, name := range []string{"best-trial", "slot-limit", "pool-busy", "early-stopping", "slots-released", "cancellation"} {
		assert.True(t, suitetest.CheckOne(t, Suite(), name, impl).Pass, name)
	}
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

func TestWorkloadChecksResults(t *testing.T) {
	require.NoError(t, Workload(context.Background(), solution))
	assert.ErrorContains(t, Workload(context.Background(), boundaryPool(false, true, false)), "check search")
}

func TestIdealSpeedup(t *testing.T) {
	assert.InDelta(t, 4.0, IdealSpeedup, 1e-9)
}
