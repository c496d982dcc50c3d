package distributedtraining

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// solution coordinates the workers with channels, in one process:
//
//   - one goroutine per worker owns that worker: it takes tasks from its
//     inbox, calls the worker, and sends the result to the step's reply
//     channel;
//   - the coordinator (the caller's goroutine) runs the steps: broadcast,
//     gather until every shard answered or the step timed out, average,
//     apply;
//   - one checkpoint writer goroutine saves parameters while the next steps
//     compute;
//   - a shard moved off a failed worker is loaded on its new one by a
//     goroutine of its own, under the run's context: a load may take
//     several steps, and the new owner's own gradients go on meanwhile.
//
// Each step has its own context and reply channel. When the step ends
// (all gradients in, or timeout with a quorum) its context is cancelled:
// a straggler's Gradient call returns at once, and a late sender gives up
// on the reply channel instead of blocking forever on it. Late gradients
// are therefore dropped, and nobody waits for them.
func solution(ctx context.Context, job Job) ([]float64, error) {
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

	c := &coordinator{job: job, n: n, inboxes: make([]chan task, n), owner: make([]int, n),
		alive: make([]bool, n), late: make([]bool, n), loaded: make([]map[int]bool, n),
		loading: make([]map[int]bool, n), loads: make(chan loadResult, n)}
	var workers sync.WaitGroup
	for i := range n { // a fixed fan-out: one goroutine per worker of the cluster
		c.inboxes[i] = make(chan task, n) // room for every shard it could own
		c.owner[i], c.alive[i], c.loaded[i], c.loading[i] = i, true, map[int]bool{i: true}, map[int]bool{}
		workers.Add(1)
		go func() {
			defer workers.Done()
			serve(ctx, job.Workers[i], c.inboxes[i])
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
	workers.Wait()   // every worker goroutine has returned
	c.loaders.Wait() // and every load of a moved shard
	if err != nil {
		return nil, err
	}
	return params, nil
}

// distribute loads shard i on worker i, on all n workers of the cluster at
// once: a fixed fan-out, one load per worker.
func distribute(ctx context.Context, workers []*Worker, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() error {
			if err := workers[i].Load(ctx, i); err != nil {
				return fmt.Errorf("distribute shard %d to worker %d: %w", i, i, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// task asks a worker for one shard's gradient in one step.
type task struct {
	ctx    context.Context // the step's: cancelled when the step is over
	step   int
	shard  int
	params []float64 // this step's parameters; nobody modifies them
	reply  chan<- result
}

// result is a worker's answer to a task.
type result struct {
	worker, shard int
	grad          []float64
	err           error
}

// loadResult is the outcome of loading a moved shard on a worker.
type loadResult struct {
	worker, shard int
	err           error
}

// serve is a worker's goroutine. It returns when ctx (the run's) is done.
func serve(ctx context.Context, w *Worker, inbox <-chan task) {
	for {
		var t task
		select {
		case <-ctx.Done():
			return
		case t = <-inbox:
		}
		if t.ctx.Err() != nil {
			continue // the step is already over: nobody wants this gradient
		}
		r := result{worker: w.ID(), shard: t.shard}
		r.grad, r.err = w.Gradient(t.ctx, t.step, t.shard, t.params)
		// The stranded-sender trap: once the step is over the coordinator
		// stops reading reply, so a plain send could block forever. Give up
		// when the step ends; the late gradient is dropped.
		select {
		case t.reply <- r:
		case <-t.ctx.Done():
		}
	}
}

// coordinator is the state the training loop owns; only its goroutine
// touches it.
type coordinator struct {
	job     Job
	n       int
	inboxes []chan task
	owner   []int          // shard → the worker computing it
	alive   []bool         // worker → not known to have failed
	late    []bool         // worker → missed the last step's timeout
	loaded  []map[int]bool // worker → shards it is known to hold (a load that succeeded)
	loading []map[int]bool // worker → moved shards being loaded on it
	loads   chan loadResult
	loaders sync.WaitGroup // the load goroutines
}

// train runs the steps and queues a checkpoint every CheckpointEvery steps.
func (c *coordinator) train(ctx context.Context, ckpt *checkpointer) ([]float64, error) {
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
func (c *coordinator) step(ctx context.Context, step int, params []float64) ([][]float64, error) {
	stepCtx, endStep := context.WithTimeout(ctx, c.job.StepTimeout)
	defer endStep() // releases stragglers: their calls and sends end with the step
	// Buffered for two answers per shard (a first try and a retry on
	// another worker), so that workers rarely wait for the coordinator;
	// correctness does not depend on it (see serve).
	reply := make(chan result, 2*c.n)
	grads := make([][]float64, c.n)
	answered := make([]bool, c.n) // workers that delivered this step
	waiting := make([]int, c.n)   // shard → the worker whose load it waits for, or -1 (set by ask)
	pending, got := 0, 0          // shards asked for and not answered; gradients in
	ask := func(shard int) error {
		w := c.owner[shard]
		waiting[shard] = -1
		if !c.loaded[w][shard] {
			// A moved shard: ask for its gradient when its load lands, in
			// this step if the load is quick, in a later one if not.
			c.load(ctx, w, shard)
			waiting[shard] = w
			pending++
			return nil
		}
		select {
		case c.inboxes[w] <- task{ctx: stepCtx, step: step, shard: shard, params: params, reply: reply}:
			pending++
			return nil
		case <-stepCtx.Done():
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return nil // the step timed out: this shard sits it out
		}
	}
	// failed moves a failed worker's shards to live workers and asks again,
	// in this same step, for those still awaited from it.
	failed := func(worker int, cause error) error {
		if err := c.failover(worker, answered); err != nil {
			return fmt.Errorf("step %d: %w (after %v)", step, err, cause)
		}
		for shard, w := range waiting {
			if w == worker {
				pending--
				if err := ask(shard); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for shard := range c.n {
		if err := ask(shard); err != nil {
			return nil, err
		}
	}

gather:
	for pending > 0 {
		select {
		case r := <-reply:
			pending--
			switch {
			case r.err == nil:
				grads[r.shard], answered[r.worker] = r.grad, true
				got++
			case errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded):
				// Cut short by the end of the step or of the run: not a failure.
			default:
				if err := failed(r.worker, r.err); err != nil {
					return nil, err
				}
				if err := ask(r.shard); err != nil {
					return nil, err
				}
			}
		case l := <-c.loads:
			delete(c.loading[l.worker], l.shard)
			switch {
			case l.err == nil:
				// Only a load that succeeded makes a shard loaded.
				c.loaded[l.worker][l.shard] = true
				if waiting[l.shard] == l.worker {
					pending--
					if err := ask(l.shard); err != nil {
						return nil, err
					}
				}
			case errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded):
				// Only the run's end cuts a load short: the step ends too.
			default:
				if err := failed(l.worker, l.err); err != nil {
					return nil, err
				}
			}
		case <-stepCtx.Done():
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			// Timed out. select picks at random among ready cases, so keep
			// the gradients that had already arrived, then go on without
			// the rest. Loads go on: the next steps collect them.
			for {
				select {
				case r := <-reply:
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
		if w := c.owner[shard]; c.alive[w] && waiting[shard] < 0 {
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

// load copies a moved shard to worker w on a goroutine of its own, unless
// it is already loading there. It runs under the run's context, not the
// step's, so that a load longer than StepTimeout still lands instead of
// being cut off and restarted every step; and apart from w's inbox, so that
// w's own gradients are not queued behind it. The trade-off: a load
// started for nothing (its worker fails over again) runs to its end.
func (c *coordinator) load(ctx context.Context, w, shard int) {
	if c.loading[w][shard] {
		return
	}
	c.loading[w][shard] = true
	c.loaders.Add(1)
	go func() {
		defer c.loaders.Done()
		r := loadResult{worker: w, shard: shard, err: c.job.Workers[w].Load(ctx, shard)}
		select {
		case c.loads <- r: // read by the step under way, or the next one
		case <-ctx.Done():
		}
	}()
}

// failover marks worker dead and gives each of its shards to a live worker:
// one that was on time last step (a straggler would make the shard late
// again and could cost the quorum), then one that already answered in this
// step, then the one with the fewest shards.
func (c *coordinator) failover(worker int, answered []bool) error {
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
func (c *coordinator) better(a, b int, answered []bool) bool {
	if c.late[a] != c.late[b] {
		return !c.late[a]
	}
	if answered[a] != answered[b] {
		return answered[a]
	}
	return c.shardsOf(a) < c.shardsOf(b)
}

func (c *coordinator) shardsOf(worker int) int {
	n := 0
	for _, w := range c.owner {
		if w == worker {
			n++
		}
	}
	return n
}

// checkpointer writes checkpoints on its own goroutine, one at a time, so
// that training goes on while a checkpoint is written. Its queue holds one:
// if training gets two checkpoints ahead of the store, it waits
// (backpressure) rather than piling parameter copies up in memory.
type checkpointer struct {
	queue chan checkpoint
	done  chan struct{} // closed when the writer has returned
	err   error         // the writer's error; read only after done is closed
}

type checkpoint struct {
	step   int
	params []float64
}

func startCheckpointer(ctx context.Context, fail context.CancelCauseFunc, store *CheckpointStore) *checkpointer {
	c := &checkpointer{queue: make(chan checkpoint, 1), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for cp := range c.queue {
			if err := store.Save(ctx, cp.step, cp.params); err != nil {
				c.err = fmt.Errorf("checkpoint step %d: %w", cp.step, err)
				fail(c.err) // a run that cannot checkpoint must stop, with this error
				return
			}
		}
	}()
	return c
}

// save queues a checkpoint, waiting while the queue is full.
func (c *checkpointer) save(ctx context.Context, step int, params []float64) error {
	select {
	case c.queue <- checkpoint{step: step, params: params}:
		return nil
	case <-ctx.Done(): // also when the writer failed: it cancels ctx
		return context.Cause(ctx)
	}
}

// close lets the writer finish what is queued and returns its error.
func (c *checkpointer) close() error {
	close(c.queue)
	<-c.done
	return c.err
}
