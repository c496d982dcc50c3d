// Package hyperparamtuning is the workbook's exercise "hyperparameter-tuning".
//
// Hyperparameter tuning: train a set of trials (learning rate, batch size,
// dropout) on a machine with pool.Size() accelerators, stop the poor ones
// early with the median stopping rule, and report the best.
//
// Sequential below trains one trial at a time on one device, asking the
// MedianStopper after each epoch whether to go on. Make it concurrent:
//   - find the same best trial, with every trial's result in order;
//   - give each device to one trial at a time (Acquire waits for a free
//     one), release every device you acquired;
//   - keep the pool busy: several trials train at once;
//   - stop poor trials early by cancelling their context: a report from one
//     trial can stop another in the middle of its epoch, which must end at
//     once and free its device for the next trial;
//   - fail with a device's error (ErrDeviceFailed) when one breaks;
//   - honour ctx (already cancelled, cancelled mid-epoch or between
//     epochs), and leave no goroutine running when you return.
package hyperparamtuning

import (
	"context"
	"fmt"
	"slices"
)

// Sequential trains the trials one after another on a single device.
func Sequential(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	stopper := NewMedianStopper(cfg.Stop)
	results := make([]TrialResult, len(trials))
	for i, t := range trials {
		acc, err := pool.Acquire(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("acquire accelerator for %s: %w", t.Name, err)
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
				break
			}
		}
		stopper.Finish(i)
		acc.Release()
		results[i] = res
	}
	return Summarize(results, cfg.MaxEpochs), nil
}
