// Package distributedtraining is the workbook's "Distributed training"
// exercise: a coordinator for data-parallel training that broadcasts
// parameters to N workers, gathers their gradients with a per-step timeout,
// averages and applies them, tolerates a straggler and a crashed worker, and
// checkpoints every K steps. See README.md for the problem, exercise.go for
// the sequential version, solution.go for the reference solution and
// guide.md for the interview guide.
package distributedtraining

import (
	"context"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Impl trains for job.Steps steps and returns the final parameters, or the
// first error (cancellation included).
type Impl func(ctx context.Context, job Job) ([]float64, error)

// Worker is one training worker (an accelerator host). Load(ctx, shard)
// copies a shard to it; Gradient(ctx, step, shard, params) computes the
// gradient of a loaded shard at params. Both honour ctx.
type Worker struct {
	w     *simworld.TrainingWorker
	hooks *hooks // shared by the cluster's workers; nil outside the suite's worlds
}

// hooks let a property's world act at a precise point of a run.
type hooks struct {
	// gradient is called when a gradient call returns successfully.
	gradient func(step, shard int)
}

// ID returns the worker's index.
func (w *Worker) ID() int { return w.w.ID() }

// Load copies shard to the worker, which can then compute gradients on it.
// It fails with an error wrapping simworld.ErrWorkerCrashed on a crashed
// worker, and returns ctx's error if ctx ends first.
func (w *Worker) Load(ctx context.Context, shard int) error { return w.w.Load(ctx, shard) }

// Gradient computes the gradient of shard's loss at params for step on the
// worker, which must have loaded shard (else simworld.ErrShardNotLoaded).
// It fails with simworld.ErrWorkerCrashed from the worker's crash on, and
// returns ctx's error if ctx ends first. It never modifies params.
func (w *Worker) Gradient(ctx context.Context, step, shard int, params []float64) ([]float64, error) {
	g, err := w.w.Gradient(ctx, step, shard, params)
	if err == nil && w.hooks != nil && w.hooks.gradient != nil {
		w.hooks.gradient(step, shard)
	}
	return g, err
}

// CheckpointStore is where checkpoints go: Save(ctx, step, params).
type CheckpointStore = simworld.CheckpointStore

// Job is one training run. There are len(Workers) data shards; shard i
// starts on worker i, which must Load it before computing on it.
type Job struct {
	Workers []*Worker
	Store   *CheckpointStore
	Init    []float64 // the initial parameters; do not modify
	Steps   int       // steps 1..Steps
	LR      float64   // learning rate
	// CheckpointEvery is K: after steps K, 2K, ... the parameters of that
	// step are saved, and every save has finished when Train returns.
	CheckpointEvery int
	// StepTimeout bounds how long a step waits for gradients. A shard whose
	// gradient has not arrived by then is left out of that step.
	StepTimeout time.Duration
	// Quorum is the fewest shard gradients a step may average; a step that
	// has fewer when its timeout expires fails the run.
	Quorum int
}

// Apply returns new parameters: params minus lr times the mean of grads.
// It sums in the order of grads, so the same gradients in the same order
// give bit-identical results; pass them in shard order. It never modifies
// params or grads.
func Apply(params []float64, grads [][]float64, lr float64) []float64 {
	out := make([]float64, len(params))
	for i := range params {
		sum := 0.0
		for _, g := range grads {
			sum += g[i]
		}
		out[i] = params[i] - lr*sum/float64(len(grads))
	}
	return out
}
