// A broken distributed training with two bugs, each marked:
//   - RACE: the workers load their shards at once and count the loaded
//     shards in a shared variable without a lock;
//   - LEAK: each checkpoint is saved in the background and its error sent
//     on an unbuffered channel that the next checkpoint receives from, but
//     nobody receives from the last one, so its sender blocks forever.

package practice

import (
	"context"
	"fmt"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/distributedtraining"
)

func Solve(ctx context.Context, job distributedtraining.Job) ([]float64, error) {
	var wg sync.WaitGroup
	loaded := 0 // shards loaded, counted by the loaders without a lock
	errs := make([]error, len(job.Workers))
	for i, w := range job.Workers {
		wg.Add(1)
		go func() { // RACE go
			defer wg.Done()
			if err := w.Load(ctx, i); err != nil {
				errs[i] = fmt.Errorf("load shard %d on worker %d: %w", i, w.ID(), err)
				return
			}
			loaded++ // RACE write
		}()
	}
	wg.Wait()
	if loaded != len(job.Workers) {
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
	}

	params := append([]float64(nil), job.Init...)
	var saving chan error // the checkpoint being written, if any
	for step := 1; step <= job.Steps; step++ {
		grads := make([][]float64, len(job.Workers))
		for i, w := range job.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g, err := w.Gradient(ctx, step, i, params)
				if err != nil {
					errs[i] = fmt.Errorf("step %d: gradient of shard %d: %w", step, i, err)
					return
				}
				grads[i] = g
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		params = distributedtraining.Apply(params, grads, job.LR)
		if step%job.CheckpointEvery == 0 {
			if saving != nil {
				if err := <-saving; err != nil {
					return nil, err
				}
			}
			ch, p := make(chan error), params
			saving = ch
			go func() { // LEAK go
				ch <- job.Store.Save(ctx, step, p) // LEAK send
			}()
		}
	}
	return params, nil // the last checkpoint's sender is never received from
}
