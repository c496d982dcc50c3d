package distributedtraining

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// queuedLoad is the reference as it was before commit "reference: load a
// moved shard in the background": a reassigned shard is loaded by the new
// owner's goroutine under the step's context, in the same FIFO inbox as
// the owner's own gradients. A load longer than StepTimeout is cut off
// every step, so the moved shard never trains again; and when the moved
// shard's index is below the new owner's own, the doomed load runs first
// and the owner's own gradient, queued behind it, is dropped as stale.
// It is kept, otherwise unchanged, as a mutant the slow-reassignment
// property must catch. It shares distribute and the checkpointer with
// solution.go.
func queuedLoad(ctx context.Context, job Job) ([]float64, error) {
	n := len(job.Workers)
	if n == 0 || job.Quorum < 1 || job.Quorum > n || job.CheckpointEvery < 1 || job.StepTimeout <= 0 {
		return nil, fmt.Errorf("train: need workers, 1 <= quorum <= workers, checkpoint interval >= 1 and a step timeout; got %d workers, quorum %d, every %d, timeout %v",
			n, job.Quorum, job.CheckpointEvery, job.StepTimeout)
	}
	// The cause lets the checkpoint writer stop training with its own error.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	if err := distribute(ctx, job.Workers, n); err != nil {
		return nil, err
	}

	c := &qlCoordinator{job: job, n: n, inboxes: make([]chan qlTask, n), owner: make([]int, n),
		alive: make([]bool, n), late: make([]bool, n), loaded: make([]map[int]bool, n)}
	var workers sync.WaitGroup
	for i := range n { // a fixed fan-out: one goroutine per worker of the cluster
		c.inboxes[i] = make(chan qlTask, n) // room for every shard it could own
		c.owner[i], c.alive[i], c.loaded[i] = i, true, map[int]bool{i: true}
		workers.Add(1)
		go func() {
			defer workers.Done()
			qlServe(ctx, job.Workers[i], c.inboxes[i])
		}()
	}
	ckpt := startCheckpointer(ctx, cancel, job.Store)

	params, err := c.train(ctx, ckpt)
	if err != nil {
		cancel(err) // abandon queued checkpoints and stop the workers
	}
	// On success this waits for the last checkpoints: they must be durable
	// when Train returns.
	if cerr := ckpt.close(); err == nil && cerr != nil {
		err = cerr
	}
	cancel(nil)
	workers.Wait() // every worker goroutine has returned
	if err != nil {
		return nil, err
	}
	return params, nil
}

// distribute loads shard i on worker i, on all n workers of the cluster at
// qlTask asks a worker for one shard's gradient in one step.
type qlTask struct {
	ctx    context.Context // the step's: cancelled when the step is over
	step   int
	shard  int
	load   bool      // copy the shard to the worker first (it was reassigned)
	params []float64 // this step's parameters; nobody modifies them
	reply  chan<- qlResult
}

// qlResult is a worker's answer to a qlTask.
type qlResult struct {
	worker, shard int
	loaded        bool // the qlTask's load succeeded: the worker now holds shard
	grad          []float64
	err           error
}

// qlServe is a worker's goroutine. It returns when ctx (the run's) is done.
func qlServe(ctx context.Context, w *Worker, inbox <-chan qlTask) {
	for {
		var t qlTask
		select {
		case <-ctx.Done():
			return
		case t = <-inbox:
		}
		if t.ctx.Err() != nil {
			continue // the step is already over: nobody wants this gradient
		}
		r := qlResult{worker: w.ID(), shard: t.shard}
		if t.load {
			r.err = w.Load(t.ctx, t.shard)
			r.loaded = r.err == nil
		}
		if r.err == nil {
			r.grad, r.err = w.Gradient(t.ctx, t.step, t.shard, t.params)
		}
		// The stranded-sender trap: once the step is over the coordinator
		// stops reading reply, so a plain send could block forever. Give up
		// when the step ends; the late gradient is dropped.
		select {
		case t.reply <- r:
		case <-t.ctx.Done():
		}
	}
}

// qlCoordinator is the state the training loop owns; only its goroutine
// touches it.
type qlCoordinator struct {
	job     Job
	n       int
	inboxes []chan qlTask
	owner   []int          // shard → the worker computing it
	alive   []bool         // worker → not known to have failed
	late    []bool         // worker → missed the last step's timeout
	loaded  []map[int]bool // worker → shards it is known to hold (a load that succeeded)
}

// train runs the steps and queues a checkpoint every CheckpointEvery steps.
func (c *qlCoordinator) train(ctx context.Context, ckpt *checkpointer) ([]float64, error) {
	params := append([]float64(nil), c.job.Init...)
	for step := 1; step <= c.job.Steps; step++ {
		grads, err := c.step(ctx, step, params)
		if err != nil {
			return nil, err
		}
		// Apply returns a new slice, so the slice the workers read and the
		// slice the checkpoint writer saves are never modified afterwards.
		params = Apply(params, grads, c.job.LR)
		if step%c.job.CheckpointEvery == 0 {
			if err := ckpt.save(ctx, step, params); err != nil {
				return nil, err
			}
		}
	}
	return params, nil
}

// step broadcasts params, gathers the shards' gradients until all arrived
// or StepTimeout passed, and returns those that arrived, in shard order.
func (c *qlCoordinator) step(ctx context.Context, step int, params []float64) ([][]float64, error) {
	stepCtx, endStep := context.WithTimeout(ctx, c.job.StepTimeout)
	defer endStep() // releases stragglers: their calls and sends end with the step
	// Buffered for two answers per shard (a first try and a retry on
	// another worker), so that workers rarely wait for the coordinator;
	// correctness does not depend on it (see qlServe).
	reply := make(chan qlResult, 2*c.n)
	pending := 0
	send := func(shard int) error {
		w := c.owner[shard]
		// A shard counts as loaded only once a load succeeded: a load cut off
		// by the step's timeout is tried again next step.
		t := qlTask{ctx: stepCtx, step: step, shard: shard, load: !c.loaded[w][shard], params: params, reply: reply}
		select {
		case c.inboxes[w] <- t:
			pending++
			return nil
		case <-stepCtx.Done():
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return nil // the step timed out: this shard sits it out
		}
	}
	for shard := range c.n {
		if err := send(shard); err != nil {
			return nil, err
		}
	}

	grads := make([][]float64, c.n)
	answered := make([]bool, c.n) // workers that delivered this step
	got := 0
gather:
	for pending > 0 {
		select {
		case r := <-reply:
			pending--
			if r.loaded {
				c.loaded[r.worker][r.shard] = true
			}
			switch {
			case r.err == nil:
				grads[r.shard], answered[r.worker] = r.grad, true
				got++
			case errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded):
				// Cut short by the end of the step or of the run: not a failure.
			default:
				// The worker failed: move its shards to live workers and ask
				// again for this one, in this same step.
				if err := c.failover(r.worker, answered); err != nil {
					return nil, fmt.Errorf("step %d: %w (after %v)", step, err, r.err)
				}
				if err := send(r.shard); err != nil {
					return nil, err
				}
			}
		case <-stepCtx.Done():
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			// Timed out. select picks at random among ready cases, so keep
			// the gradients that had already arrived, then go on without
			// the rest.
			for {
				select {
				case r := <-reply:
					if r.loaded {
						c.loaded[r.worker][r.shard] = true
					}
					if r.err == nil {
						grads[r.shard] = r.grad
						got++
					}
				default:
					break gather
				}
			}
		}
	}
	for shard, g := range grads { // a worker that missed the deadline is late
		if w := c.owner[shard]; c.alive[w] {
			c.late[w] = g == nil
		}
	}
	out := make([][]float64, 0, got)
	for _, g := range grads { // shard order: the average is reproducible
		if g != nil {
			out = append(out, g)
		}
	}
	if got < c.job.Quorum {
		return nil, fmt.Errorf("step %d: %d of %d shard gradients within %v, quorum %d", step, got, c.n, c.job.StepTimeout, c.job.Quorum)
	}
	return out, nil
}

// failover marks worker dead and gives each of its shards to a live worker:
// one that was on time last step (a straggler would make the shard late
// again and could cost the quorum), then one that already answered in this
// step, then the one with the fewest shards.
func (c *qlCoordinator) failover(worker int, answered []bool) error {
	if !c.alive[worker] {
		return nil // already handled on an earlier error from it
	}
	c.alive[worker] = false
	for shard, w := range c.owner {
		if w != worker {
			continue
		}
		best := -1
		for cand := range c.n {
			if !c.alive[cand] {
				continue
			}
			if best < 0 || c.better(cand, best, answered) {
				best = cand
			}
		}
		if best < 0 {
			return fmt.Errorf("worker %d failed and no live worker is left for shard %d", worker, shard)
		}
		c.owner[shard] = best
	}
	return nil
}

// better says whether worker a is a better home for a shard than worker b.
func (c *qlCoordinator) better(a, b int, answered []bool) bool {
	if c.late[a] != c.late[b] {
		return !c.late[a]
	}
	if answered[a] != answered[b] {
		return answered[a]
	}
	return c.shardsOf(a) < c.shardsOf(b)
}

func (c *qlCoordinator) shardsOf(worker int) int {
	n := 0
	for _, w := range c.owner {
		if w == worker {
			n++
		}
	}
	return n
}
