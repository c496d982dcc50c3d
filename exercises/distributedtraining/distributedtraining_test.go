package distributedtraining

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSolutionPassesEveryProperty(t *testing.T) { suitetest.SolutionPasses(t, Suite(), solution) }

func TestSequentialFailsConcurrencyProperties(t *testing.T) {
	suitetest.SequentialFails(t, Suite(), Sequential, "parallel-workers", "straggler-timeout", "crash-tolerated", "straggler-and-crash", "slow-reassignment", "checkpoint-overlap")
}

func TestSuiteRun(t *testing.T) {
	Suite().Run(t, solution)
}

func TestInfo(t *testing.T) {
	assert.Equal(t, "distributed-training", Info.Slug)
	for _, name := range []string{"README.md", "guide.md", "exercise.go", "solution.go"} {
		b, err := Files.ReadFile(name)
		require.NoError(t, err)
		assert.Greater(t, len(b), 500, name)
	}
	assert.InDelta(t, 4.0, IdealSpeedup, 1e-9)
}

// The broken implementations below each get one thing wrong; the tests show
// that the matching property catches it.

// strandedStraggler fans out a goroutine per worker each step and sends
// results on an unbuffered channel, giving up on the step with time.After.
// The straggler's call runs on the run's ctx, so it keeps sleeping after the
// step, and its goroutine then blocks forever on the send (here, until the
// test releases it).
func strandedStraggler(release <-chan struct{}) Impl {
	return func(ctx context.Context, job Job) ([]float64, error) {
		for i, w := range job.Workers {
			if err := w.Load(ctx, i); err != nil {
				return nil, err
			}
		}
		type res struct {
			shard int
			grad  []float64
		}
		params := append([]float64(nil), job.Init...)
		for step := 1; step <= job.Steps; step++ {
			results := make(chan res)
			for i, w := range job.Workers {
				go func() {
					g, err := w.Gradient(ctx, step, i, params)
					if err != nil {
						return
					}
					select {
					case results <- res{i, g}:
					case <-release:
					}
				}()
			}
			grads := make([][]float64, len(job.Workers))
			timeout := time.After(job.StepTimeout)
		gather:
			for range job.Workers {
				select {
				case r := <-results:
					grads[r.shard] = r.grad
				case <-timeout:
					break gather
				}
			}
			var got [][]float64
			for _, g := range grads {
				if g != nil {
					got = append(got, g)
				}
			}
			if len(got) < job.Quorum {
				return nil, fmt.Errorf("step %d: %d gradients", step, len(got))
			}
			params = Apply(params, got, job.LR)
			if step%job.CheckpointEvery == 0 {
				if err := job.Store.Save(ctx, step, params); err != nil {
					return nil, err
				}
			}
		}
		return params, nil
	}
}

func TestStrandedStragglerFails(t *testing.T) {
	release := make(chan struct{})
	res := Suite().Only("straggler-timeout", "no-leaked-goroutines").Check(strandedStraggler(release))
	close(release) // let the stranded goroutines go, for VerifyTestMain
	suitetest.LogResults(t, res)
	assert.ElementsMatch(t, []string{"straggler-timeout", "no-leaked-goroutines"}, suite.Failed(res))
}

// quorumOnly is a clean concurrent coordinator that tolerates a straggler
// (per-step timeout) but treats a crashed worker's shard as just missing:
// its data is lost for the rest of the run.
func quorumOnly(ctx context.Context, job Job) ([]float64, error) {
	n := len(job.Workers)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job.Workers[i].Load(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	dead := make([]bool, n)
	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		stepCtx, endStep := context.WithTimeout(ctx, job.StepTimeout)
		grads := make([][]float64, n)
		for i := range n {
			if dead[i] {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				g, err := job.Workers[i].Gradient(stepCtx, step, i, params)
				switch {
				case err == nil:
					grads[i] = g
				case stepCtx.Err() == nil:
					dead[i] = true
				}
			}()
		}
		wg.Wait() // the step's timeout ends a straggler's call
		endStep()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var got [][]float64
		for _, g := range grads {
			if g != nil {
				got = append(got, g)
			}
		}
		if len(got) < job.Quorum {
			return nil, fmt.Errorf("step %d: %d gradients, quorum %d", step, len(got), job.Quorum)
		}
		params = Apply(params, got, job.LR)
		if step%job.CheckpointEvery == 0 {
			if err := job.Store.Save(ctx, step, params); err != nil {
				return nil, err
			}
		}
	}
	return params, nil
}

func TestQuorumAloneLosesTheCrashedShard(t *testing.T) {
	res := Suite().Only("matches-sequential", "parallel-workers", "straggler-timeout", "crash-tolerated", "checkpoint-overlap", "no-leaked-goroutines").Check(quorumOnly)
	suitetest.LogResults(t, res)
	assert.ElementsMatch(t, []string{"crash-tolerated", "checkpoint-overlap"}, suite.Failed(res))
}

// lateCheckpointErrors writes checkpoints in the background but looks at
// their errors only at the end: training runs on for many steps after a
// checkpoint failed.
func lateCheckpointErrors(ctx context.Context, job Job) ([]float64, error) {
	for i, w := range job.Workers {
		if err := w.Load(ctx, i); err != nil {
			return nil, err
		}
	}
	var saves sync.WaitGroup
	var mu sync.Mutex
	var saveErr error
	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		var grads [][]float64
		for i, w := range job.Workers {
			g, err := w.Gradient(ctx, step, i, params)
			if err != nil {
				return nil, err
			}
			grads = append(grads, g)
		}
		params = Apply(params, grads, job.LR)
		if step%job.CheckpointEvery == 0 {
			saves.Add(1)
			go func(step int, p []float64) {
				defer saves.Done()
				if err := job.Store.Save(ctx, step, p); err != nil {
					mu.Lock()
					saveErr = errors.Join(saveErr, err)
					mu.Unlock()
				}
			}(step, params)
		}
	}
	saves.Wait()
	if saveErr != nil {
		return nil, saveErr
	}
	return params, nil
}

func TestCheckpointErrorsMustStopTraining(t *testing.T) {
	res := Suite().Only("error-propagation").Check(lateCheckpointErrors)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"error-propagation"}, suite.Failed(res))
}

func TestApply(t *testing.T) {
	params := []float64{1, 2}
	got := Apply(params, [][]float64{{1, 0}, {3, 4}}, 0.5)
	assert.Equal(t, []float64{0, 1}, got) // 1 - 0.5*2, 2 - 0.5*2
	assert.Equal(t, []float64{1, 2}, params, "Apply must not modify params")
}

func TestSolutionRejectsABadJob(t *testing.T) {
	_, err := solution(context.Background(), Job{Quorum: 1, CheckpointEvery: 1, StepTimeout: time.Second})
	assert.Error(t, err)
}

func TestWorkloadRunsBoth(t *testing.T) {
	require.NoError(t, Workload(context.Background(), solution))
	require.NoError(t, Workload(context.Background(), Sequential))
}
