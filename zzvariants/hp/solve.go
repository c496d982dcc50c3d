package practice

import (
	"context"
	"slices"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/hyperparamtuning"
)

type report struct {
	trial, epoch int
	loss         float64
	verdict      chan bool
}

// Solve trains every trial at once; a coordinator owns the stopper.
func Solve(ctx context.Context, pool *hyperparamtuning.Pool, trials []hyperparamtuning.Trial, cfg hyperparamtuning.Config) (hyperparamtuning.Result, error) {
	reports := make(chan report)
	go func() {
		stopper := hyperparamtuning.NewMedianStopper(cfg.Stop)
		for r := range reports {
			r.verdict <- slices.Contains(stopper.Report(r.trial, r.epoch, r.loss), r.trial)
		}
	}()
	var mu sync.Mutex // guards results
	results := make([]hyperparamtuning.TrialResult, len(trials))
	var wg sync.WaitGroup
	for i, t := range trials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc, err := pool.Acquire(ctx)
			if err != nil {
				return
			}
			tctx, cancel := context.WithCancel(ctx)
			res := hyperparamtuning.TrialResult{Trial: i, Name: t.Name}
			for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
				loss, err := t.TrainEpoch(tctx, acc, epoch)
				if err != nil {
					return
				}
				res.Epochs, res.Loss = epoch, loss
				mu.Lock()
				verdict := make(chan bool)
				reports <- report{i, epoch, loss, verdict}
				stop := <-verdict
				mu.Unlock()
				if stop {
					res.Stopped = true
					cancel()
					break
				}
			}
			acc.Release()
			results[i] = res
		}()
	}
	wg.Wait()
	return hyperparamtuning.Summarize(results, cfg.MaxEpochs), nil
}
