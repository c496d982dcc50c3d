// A broken hyperparameter search with two bugs, each marked:
//   - RACE: every trial counts itself in the package's launched without a
//     lock (a race on a map would be a fatal "concurrent map writes" instead,
//     in some runs);
//   - LEAK: each trial sends its outcome on an unbuffered channel, and Solve
//     returns at the first error, so the trials still running block forever
//     on their send.

package practice

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/hyperparamtuning"
)

// launched counts the trials ever started, for a dashboard (it was meant to
// be taken under mu, or to be an atomic.Int64).
var launched int

type outcome struct {
	res hyperparamtuning.TrialResult
	err error
}

func Solve(ctx context.Context, pool *hyperparamtuning.Pool, trials []hyperparamtuning.Trial, cfg hyperparamtuning.Config) (hyperparamtuning.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex // guards stopper, running and stopped
		stopper = hyperparamtuning.NewMedianStopper(cfg.Stop)
		running = map[int]context.CancelFunc{}
		stopped = map[int]bool{}
	)
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

	done := make(chan outcome)
	for i, t := range trials {
		go func() { // RACE go // LEAK go
			tctx, stop := context.WithCancel(ctx)
			defer stop()
			launched++ // RACE write
			mu.Lock()
			running[i] = stop
			mu.Unlock()
			defer func() {
				mu.Lock()
				delete(running, i)
				mu.Unlock()
			}()

			res := hyperparamtuning.TrialResult{Trial: i, Name: t.Name}
			err := func() error {
				acc, err := pool.Acquire(tctx)
				if err != nil {
					return fmt.Errorf("acquire accelerator for %s: %w", t.Name, err)
				}
				defer acc.Release()
				defer func() {
					mu.Lock()
					stopper.Finish(i)
					mu.Unlock()
				}()
				for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
					loss, err := t.TrainEpoch(tctx, acc, epoch)
					if err != nil {
						mu.Lock()
						byRule := stopped[i]
						mu.Unlock()
						if byRule && errors.Is(err, context.Canceled) && ctx.Err() == nil {
							res.Stopped = true
							return nil
						}
						return err
					}
					res.Epochs, res.Loss = epoch, loss
					if report(i, epoch, loss) {
						res.Stopped = true
						return nil
					}
				}
				return nil
			}()
			done <- outcome{res, err} // LEAK send
		}()
	}

	results := make([]hyperparamtuning.TrialResult, len(trials))
	for range trials {
		o := <-done
		if o.err != nil {
			return hyperparamtuning.Result{}, o.err // the other trials are still to send
		}
		results[o.res.Trial] = o.res
	}
	return hyperparamtuning.Summarize(results, cfg.MaxEpochs), nil
}
