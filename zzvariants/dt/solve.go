package practice

import (
	"context"
	"fmt"
	"time"

	"github.com/asyncbook/asyncbook/exercises/distributedtraining"
)

type reply struct {
	shard int
	grad  []float64
	err   error
}

// Solve asks every worker at once each step, with a timeout and a quorum.
func Solve(ctx context.Context, job distributedtraining.Job) ([]float64, error) {
	for i, w := range job.Workers {
		if err := w.Load(ctx, i); err != nil {
			return nil, fmt.Errorf("load shard %d: %w", i, err)
		}
	}
	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		replies := make(chan reply)
		for i, w := range job.Workers {
			go func() {
				g, err := w.Gradient(ctx, step, i, params)
				replies <- reply{i, g, err}
			}()
		}
		grads := make([][]float64, 0, len(job.Workers))
		timeout := time.After(job.StepTimeout)
	gather:
		for range job.Workers {
			select {
			case r := <-replies:
				if r.err == nil {
					grads = append(grads, r.grad)
				}
			case <-timeout:
				break gather
			}
		}
		if len(grads) < job.Quorum {
			return nil, fmt.Errorf("step %d: %d gradients, quorum %d", step, len(grads), job.Quorum)
		}
		params = distributedtraining.Apply(params, grads, job.LR)
		if step%job.CheckpointEvery == 0 {
			go job.Store.Save(ctx, step, params)
		}
	}
	return params, nil
}
