// Distributed training: a coordinator for data-parallel workers.
//
// A linear model is trained with synchronous data-parallel SGD. The data is
// split into one shard per worker. Each step the coordinator broadcasts the
// current parameters, every worker computes the gradient of its shard,
// the coordinator averages the gradients (in shard order) and applies them
// with Apply. Every CheckpointEvery steps the parameters are saved.
//
// Sequential below is correct on a healthy cluster but asks one worker
// after another, so a step takes N times a gradient; it waits forever for
// a slow worker and gives up on a crashed one; and training stops while a
// checkpoint is written. Make it fast and robust: compute on all workers at
// once, bound each step by StepTimeout and proceed with at least Quorum
// gradients (dropping late ones, never blocking on them), move a crashed
// worker's shard to a live worker, write checkpoints while the next steps
// run, stop promptly on cancellation or a failed checkpoint, and leave no
// goroutine behind.

package distributedtraining

import (
	"context"
	"fmt"
)

// Sequential loads the shards, then runs each step by asking the workers
// one after another.
func Sequential(ctx context.Context, job Job) ([]float64, error) {
	// Distribute the data: shard i goes to worker i.
	for i, w := range job.Workers {
		if err := w.Load(ctx, i); err != nil {
			return nil, fmt.Errorf("load shard %d on worker %d: %w", i, w.ID(), err)
		}
	}
	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		// Broadcast params and gather one gradient per shard.
		grads := make([][]float64, 0, len(job.Workers))
		for i, w := range job.Workers {
			g, err := w.Gradient(ctx, step, i, params)
			if err != nil {
				return nil, fmt.Errorf("step %d: gradient of shard %d: %w", step, i, err)
			}
			grads = append(grads, g)
		}
		params = Apply(params, grads, job.LR)
		if step%job.CheckpointEvery == 0 {
			if err := job.Store.Save(ctx, step, params); err != nil {
				return nil, fmt.Errorf("checkpoint step %d: %w", step, err)
			}
		}
	}
	return params, nil
}
