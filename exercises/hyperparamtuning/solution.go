package hyperparamtuning

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// solution trains up to pool.Size() trials at once, one goroutine per
// running trial.
//
// Ownership:
//   - the errgroup owns the trial goroutines; SetLimit(pool.Size()) keeps
//     no more of them than there are devices, so none waits long in
//     Acquire. The first error (cancellation, a failed device) cancels
//     gctx, which interrupts every epoch in progress and every Acquire.
//   - the search owns the MedianStopper, behind mu, with the map of the
//     running trials' cancel functions: a report that condemns another
//     trial cancels that trial's context under the same lock, so its epoch
//     in progress ends at once and its device goes back to the pool.
//   - results[i] is written only by trial i's goroutine and read after
//     g.Wait: no lock and no race.
func solution(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	var (
		mu      sync.Mutex
		stopper = NewMedianStopper(cfg.Stop)
		running = map[int]context.CancelFunc{} // trial → cancels its context
		stopped = map[int]bool{}               // trials the rule stopped
	)
	// report applies the rule to trial i's loss after epoch, stops the
	// trials it condemns, and says whether trial i itself must stop.
	report := func(i, epoch int, loss float64) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, t := range stopper.Report(i, epoch, loss) {
			stopped[t] = true
			if stop, ok := running[t]; ok {
				stop()
			}
		}
		return stopped[i]
	}

	results := make([]TrialResult, len(trials))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(pool.Size())
	dispatched := 0
	for i, t := range trials {
		if gctx.Err() != nil {
			break // the search is over: g.Wait or ctx says why
		}
		dispatched++
		g.Go(func() error {
			acc, err := pool.Acquire(gctx)
			if err != nil {
				return fmt.Errorf("acquire accelerator for %s: %w", t.Name, err)
			}
			defer acc.Release()

			// The trial's own context: cancelling it interrupts the epoch in
			// progress, and the device is free as soon as this returns.
			tctx, cancel := context.WithCancel(gctx)
			defer cancel()
			mu.Lock()
			running[i] = cancel
			mu.Unlock()
			defer func() {
				mu.Lock()
				delete(running, i)
				stopper.Finish(i)
				mu.Unlock()
			}()

			res := TrialResult{Trial: i, Name: t.Name}
			for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
				loss, err := t.TrainEpoch(tctx, acc, epoch)
				if err != nil {
					mu.Lock()
					byRule := stopped[i]
					mu.Unlock()
					if byRule && errors.Is(err, context.Canceled) && gctx.Err() == nil {
						res.Stopped = true // another trial's report stopped this one
						break
					}
					return err // the search was cancelled or the device failed
				}
				res.Epochs, res.Loss = epoch, loss
				if report(i, epoch, loss) {
					res.Stopped = true
					break
				}
			}
			results[i] = res
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	if dispatched < len(trials) {
		return Result{}, fmt.Errorf("search stopped after %d of %d trials: %w", dispatched, len(trials), ctx.Err())
	}
	return Summarize(results, cfg.MaxEpochs), nil
}
