package simworld

// This file is the distributed-training world: data-parallel workers that
// hold data shards and compute gradients of a linear-regression loss, with
// a configurable straggler and crash, and a checkpoint store.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// TrainingConfig describes a simulated data-parallel training job.
type TrainingConfig struct {
	Workers          int // also the number of shards: shard i starts on worker i
	Dim              int // number of parameters
	ExamplesPerShard int
	Seed             uint64

	LoadLatency       time.Duration // to copy a shard to a worker
	ComputeLatency    time.Duration // per gradient
	CheckpointLatency time.Duration // per checkpoint write

	// Stragglers maps a worker to the time each of its gradients takes
	// instead of ComputeLatency (it still honours ctx).
	Stragglers map[int]time.Duration
	// Crashes maps a worker to the first step at which it fails: from that
	// gradient on, every call on it returns ErrWorkerCrashed.
	Crashes map[int]int
	// FailCheckpoint makes the n-th checkpoint write (1-based) fail with
	// ErrCheckpointFailed; zero means none fails.
	FailCheckpoint int
}

// Errors of the training world.
var (
	ErrWorkerCrashed    = errors.New("worker crashed")
	ErrShardNotLoaded   = errors.New("shard not loaded on this worker")
	ErrCheckpointFailed = errors.New("checkpoint write failed")
)

// TrainingCluster is the simulated cluster: workers, their data shards and a
// checkpoint store, all recording on one recorder.
type TrainingCluster struct {
	cfg     TrainingConfig
	rec     *Recorder
	shards  []trainShard
	workers []*TrainingWorker
	store   *CheckpointStore

	mu        sync.Mutex
	gradients int           // gradient calls finished, whatever their outcome
	changed   chan struct{} // closed and replaced when gradients grows
}

// trainShard is one shard's examples: x is row-major, ExamplesPerShard×Dim.
type trainShard struct {
	x, y []float64
}

// NewTrainingCluster builds the cluster described by cfg.
func NewTrainingCluster(rec *Recorder, cfg TrainingConfig) (*TrainingCluster, error) {
	if cfg.Workers <= 0 || cfg.Dim <= 0 || cfg.ExamplesPerShard <= 0 {
		return nil, fmt.Errorf("new training cluster: need workers, dim and examples per shard > 0, got %d, %d, %d",
			cfg.Workers, cfg.Dim, cfg.ExamplesPerShard)
	}
	c := &TrainingCluster{cfg: cfg, rec: rec, changed: make(chan struct{})}
	// The true weights the regression recovers, and the shards' examples,
	// all drawn from the seed.
	x := cfg.Seed
	next := func() float64 {
		x = sourceMix(x)
		return float64(x>>11)/float64(1<<53)*2 - 1 // uniform in [-1, 1)
	}
	truth := make([]float64, cfg.Dim)
	for i := range truth {
		truth[i] = next() * 3
	}
	for range cfg.Workers {
		sh := trainShard{x: make([]float64, cfg.ExamplesPerShard*cfg.Dim), y: make([]float64, cfg.ExamplesPerShard)}
		for e := range cfg.ExamplesPerShard {
			dot := 0.0
			for d := range cfg.Dim {
				v := next()
				sh.x[e*cfg.Dim+d] = v
				dot += v * truth[d]
			}
			sh.y[e] = dot + 0.1*next()
		}
		c.shards = append(c.shards, sh)
	}
	for i := range cfg.Workers {
		c.workers = append(c.workers, &TrainingWorker{c: c, id: i, loaded: map[int]bool{}})
	}
	c.store = &CheckpointStore{c: c}
	return c, nil
}

// Workers returns the cluster's workers; worker i initially owns shard i.
func (c *TrainingCluster) Workers() []*TrainingWorker { return c.workers }

// Store returns the cluster's checkpoint store.
func (c *TrainingCluster) Store() *CheckpointStore { return c.store }

// Dim returns the number of parameters.
func (c *TrainingCluster) Dim() int { return c.cfg.Dim }

// Shards returns the number of shards.
func (c *TrainingCluster) Shards() int { return len(c.shards) }

// ShardGradient is the gradient of shard's mean squared error at params,
// computed at once without any worker: it is how checks compute the
// expected result. Workers return exactly this.
func (c *TrainingCluster) ShardGradient(shard int, params []float64) []float64 {
	sh := c.shards[shard]
	d := c.cfg.Dim
	g := make([]float64, d)
	n := float64(c.cfg.ExamplesPerShard)
	for e := range c.cfg.ExamplesPerShard {
		row := sh.x[e*d : (e+1)*d]
		pred := 0.0
		for i, v := range row {
			pred += v * params[i]
		}
		r := pred - sh.y[e]
		for i, v := range row {
			g[i] += 2 * r * v / n
		}
	}
	return g
}

// Loss returns the mean squared error over all shards at params.
func (c *TrainingCluster) Loss(params []float64) float64 {
	d := c.cfg.Dim
	sum, n := 0.0, 0
	for _, sh := range c.shards {
		for e := range c.cfg.ExamplesPerShard {
			pred := 0.0
			for i := range d {
				pred += sh.x[e*d+i] * params[i]
			}
			sum += math.Pow(pred-sh.y[e], 2)
			n++
		}
	}
	return sum / float64(n)
}

// AwaitGradients blocks until n gradient calls have finished (successfully
// or not), or ctx is done. Tests use it to act mid-run without sleeping.
func (c *TrainingCluster) AwaitGradients(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		done := c.gradients >= n
		changed := c.changed
		c.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d gradients: %w", n, ctx.Err())
		}
	}
}

func (c *TrainingCluster) gradientDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gradients++
	close(c.changed)
	c.changed = make(chan struct{})
}

// TrainingWorker is one simulated accelerator host. Its calls are recorded as
// spans on "worker/<id>".
type TrainingWorker struct {
	c  *TrainingCluster
	id int

	mu      sync.Mutex
	loaded  map[int]bool
	crashed bool
}

// ID returns the worker's index.
func (w *TrainingWorker) ID() int { return w.id }

// Resource returns the recorder resource of the worker's calls.
func (w *TrainingWorker) Resource() string { return fmt.Sprintf("worker/%d", w.id) }

// Load copies shard to the worker, which can then compute gradients on it.
// It takes LoadLatency and fails with ErrWorkerCrashed on a crashed worker.
// It returns ctx's error, recording nothing, if ctx is already done.
func (w *TrainingWorker) Load(ctx context.Context, shard int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if shard < 0 || shard >= len(w.c.shards) {
		return fmt.Errorf("load shard %d on worker %d: no such shard", shard, w.id)
	}
	end := w.c.rec.Begin(w.Resource(), fmt.Sprintf("load shard %d", shard))
	w.mu.Lock()
	crashed := w.crashed
	w.mu.Unlock()
	if crashed {
		err := fmt.Errorf("load shard %d on worker %d: %w", shard, w.id, ErrWorkerCrashed)
		end(err)
		return err
	}
	if err := Sleep(ctx, w.c.cfg.LoadLatency); err != nil {
		end(err)
		return err
	}
	w.mu.Lock()
	w.loaded[shard] = true
	w.mu.Unlock()
	end(nil)
	return nil
}

// Gradient computes the gradient of shard's loss at params for step (1-based)
// on the worker, which must have loaded shard. It takes ComputeLatency (a
// straggler's delay on a straggler) and reads params at the end of that
// time, as a device copying them in would; it never modifies params. On a
// worker that crashes at or before step it fails with ErrWorkerCrashed. It
// returns ctx's error, recording nothing, if ctx is already done.
func (w *TrainingWorker) Gradient(ctx context.Context, step, shard int, params []float64) ([]float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := w.c.rec.Begin(w.Resource(), fmt.Sprintf("step %d shard %d", step, shard))
	defer w.c.gradientDone()
	fail := func(err error) ([]float64, error) {
		err = fmt.Errorf("gradient of shard %d on worker %d at step %d: %w", shard, w.id, step, err)
		end(err)
		return nil, err
	}
	if len(params) != w.c.cfg.Dim {
		return fail(fmt.Errorf("got %d parameters, want %d", len(params), w.c.cfg.Dim))
	}
	w.mu.Lock()
	if at, ok := w.c.cfg.Crashes[w.id]; ok && step >= at {
		w.crashed = true
	}
	crashed, loaded := w.crashed, w.loaded[shard]
	w.mu.Unlock()
	switch {
	case crashed:
		return fail(ErrWorkerCrashed)
	case !loaded:
		return fail(ErrShardNotLoaded)
	}
	d := w.c.cfg.ComputeLatency
	if s, ok := w.c.cfg.Stragglers[w.id]; ok {
		d = s
	}
	if err := Sleep(ctx, d); err != nil {
		end(err)
		return nil, err
	}
	g := w.c.ShardGradient(shard, params)
	end(nil)
	return g, nil
}

// Checkpoint is one saved copy of the parameters.
type Checkpoint struct {
	Step   int
	Params []float64
}

// CheckpointStore is a simulated durable store (an object store bucket).
// Writes are recorded as spans on "checkpoint".
type CheckpointStore struct {
	c *TrainingCluster

	mu     sync.Mutex
	calls  int
	saved  []Checkpoint
	failed []int
}

// Save writes params as the checkpoint of step. It takes CheckpointLatency
// and reads params at the end of that time, as a write streaming the buffer
// out would: the caller must not modify params until Save returns. It
// returns ctx's error, recording nothing, if ctx is already done.
func (s *CheckpointStore) Save(ctx context.Context, step int, params []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	end := s.c.rec.Begin("checkpoint", fmt.Sprintf("step %d", step))
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if err := Sleep(ctx, s.c.cfg.CheckpointLatency); err != nil {
		end(err)
		return err
	}
	if n == s.c.cfg.FailCheckpoint {
		s.mu.Lock()
		s.failed = append(s.failed, step)
		s.mu.Unlock()
		err := fmt.Errorf("save checkpoint of step %d: %w", step, ErrCheckpointFailed)
		end(err)
		return err
	}
	s.mu.Lock()
	s.saved = append(s.saved, Checkpoint{Step: step, Params: append([]float64(nil), params...)})
	s.mu.Unlock()
	end(nil)
	return nil
}

// Saved returns the checkpoints written, in the order they completed.
func (s *CheckpointStore) Saved() []Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Checkpoint(nil), s.saved...)
}

// Failed returns the steps whose checkpoint write failed.
func (s *CheckpointStore) Failed() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.failed...)
}
