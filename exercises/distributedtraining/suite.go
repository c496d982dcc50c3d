package distributedtraining

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Files holds the exercise's documents and code, for the workbook.
//
//go:embed README.md guide.md exercise.go solution.go
var Files embed.FS

// Info describes the exercise for the catalog.
var Info = suite.Info{
	Slug:    "distributed-training",
	Dir:     "distributedtraining",
	Title:   "Distributed training",
	Order:   5,
	Summary: "Coordinate data-parallel workers: broadcast, gather with a timeout and a quorum, survive a straggler and a crash, checkpoint while training.",
	Patterns: []string{
		"coordinating parallel workers",
		"efficient I/O operations",
		"throttling and backpressure",
	},
	Files: Files,
}

// Suite returns the property suite every implementation is checked by: a
// fresh value on each call, so no code under test can swap its checks.
func Suite() suite.Suite[Impl] {
	return suite.Suite[Impl]{
		Exercise: "distributed-training",
		// The slowest correct check takes about a second; an implementation
		// that hangs without watching ctx fails within this.
		Timeout: 15 * time.Second,
		Properties: []suite.Property[Impl]{
			{
				Name:        "matches-sequential",
				Pattern:     "coordinating parallel workers",
				Description: "on a healthy cluster the final parameters equal the sequential result (gradients averaged in shard order)",
				Check:       checkMatchesSequential,
			},
			{
				Name:        "parallel-workers",
				Pattern:     "coordinating parallel workers",
				Description: "a step runs its workers at once: at least 2 gradients computing at the same moment (4 workers)",
				Concurrency: true,
				Check:       checkParallelWorkers,
			},
			{
				Name:        "straggler-timeout",
				Pattern:     "coordinating parallel workers",
				Description: "a worker that takes 10 s per gradient does not stall training: each step ends at its 500 ms timeout with the other 3 shards (quorum 3), the late gradient is dropped, and the straggler's call is cancelled, not left running",
				Concurrency: true,
				Check:       checkStraggler,
			},
			{
				Name:        "crash-tolerated",
				Pattern:     "coordinating parallel workers",
				Description: "when a worker crashes its shard is reassigned to a live worker, so no data is lost: the final parameters still equal the fault-free result",
				Concurrency: true,
				Check:       checkCrash,
			},
			{
				Name:        "straggler-and-crash",
				Pattern:     "coordinating parallel workers",
				Description: "with a straggler (worker 0, 10 s per gradient) and a crash (worker 3 at step 3) in one run, quorum 3 of 4: the crashed worker's shard goes to a worker that answers in time, not to the straggler, so every step still has 3 gradients",
				Concurrency: true,
				Check:       checkStragglerAndCrash,
			},
			{
				Name:        "slow-reassignment",
				Pattern:     "coordinating parallel workers",
				Description: "a reassigned shard whose load (1.5 s) outlasts the step timeout (500 ms) is not taken as loaded before its load succeeded: the healthy workers are never asked for a shard they do not hold; they compute their own shards every step while it loads, and it trains again once loaded (worker 1, then worker 0, crashes at step 2 of 5)",
				Concurrency: true,
				Check:       checkSlowReassignment,
			},
			{
				Name:        "checkpoints",
				Pattern:     "efficient I/O operations",
				Description: "after steps K, 2K, ... the parameters of that step are saved, one write at a time, all finished when Train returns",
				Check:       checkCheckpoints,
			},
			{
				Name:        "checkpoint-overlap",
				Pattern:     "efficient I/O operations",
				Description: "checkpoint writes overlap the next steps' compute instead of pausing training",
				Concurrency: true,
				Check:       checkCheckpointOverlap,
			},
			{
				Name:        "error-propagation",
				Pattern:     "throttling and backpressure",
				Description: "a failed checkpoint write stops training: Train returns that error, starts at most K more steps, and leaves no call running",
				Check:       checkErrorPropagation,
			},
			{
				Name:        "cancelled-on-entry",
				Pattern:     "coordinating parallel workers",
				Description: "with ctx already cancelled Train returns context.Canceled at once: no worker call, no checkpoint, no goroutine left",
				Check:       checkCancelledOnEntry,
			},
			{
				Name:        "cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "cancelling ctx mid-run returns context.Canceled within 2 s, starts no new worker call, and leaves no call running; cancelled while a step waits for a straggler (step timeout 3 s), Train returns within 1 s: the run's cancellation reaches the step in flight",
				Check:       checkCancellation,
			},
			{
				Name:        "cancelled-between-steps",
				Pattern:     "coordinating parallel workers",
				Description: "ctx cancelled between two steps (the last gradient of step 2 just arrived, no call in flight) still ends Train with context.Canceled, promptly, with no further call",
				Check:       checkCancelledBetweenSteps,
			},
			{
				Name:        "no-leaked-goroutines",
				Pattern:     "coordinating parallel workers",
				Description: "no goroutine is left running after Train returns: not after a run with a straggler and a crash, not after a failed run",
				Check:       checkNoLeaks,
			},
		},
	}
}

// The benchmark world. Its numbers give IdealSpeedup.
const (
	benchWorkers   = 4
	benchSteps     = 24
	benchEvery     = 6
	benchComputeMS = 20 // per gradient
	benchLoadMS    = 20 // per shard
	benchSaveMS    = 20 // per checkpoint
)

// IdealSpeedup is what the benchmark world allows. Sequentially every load,
// gradient and checkpoint happens one after another:
//
//	4 loads × 20 + 24 steps × 4 gradients × 20 + 4 checkpoints × 20 = 2080 ms.
//
// Concurrently the loads run at once, each step takes one gradient's time,
// and each checkpoint overlaps the following steps except the last:
//
//	20 + 24 × 20 + 20 = 520 ms, a speedup of 4.
const IdealSpeedup = float64(benchWorkers*benchLoadMS+benchSteps*benchWorkers*benchComputeMS+benchSteps/benchEvery*benchSaveMS) /
	float64(benchLoadMS+benchSteps*benchComputeMS+benchSaveMS)

// Workload runs impl once on the benchmark world and checks the result.
func Workload(ctx context.Context, impl Impl) error {
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: benchWorkers, LoadLatency: benchLoadMS * time.Millisecond,
			ComputeLatency: benchComputeMS * time.Millisecond, CheckpointLatency: benchSaveMS * time.Millisecond},
		steps: benchSteps, every: benchEvery, quorum: benchWorkers, timeout: 2 * time.Second,
	})
	if err != nil {
		return err
	}
	params, err := impl(ctx, w.job)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	want, _ := w.reference(nil)
	if d := maxDiff(params, want); d > tolerance {
		return fmt.Errorf("wrong parameters: max difference %g from the sequential result", d)
	}
	return nil
}

// tolerance is how far parameters may be from the reference: averaging in
// another order than shard order changes the last bits.
const tolerance = 1e-9

// worldSpec describes a simulated cluster and job for one property.
type worldSpec struct {
	cfg     simworld.TrainingConfig // Dim, ExamplesPerShard and Seed default below
	steps   int
	every   int
	quorum  int
	timeout time.Duration
}

type world struct {
	rec     *simworld.Recorder
	cluster *simworld.TrainingCluster
	hooks   *hooks
	job     Job
}

func newWorld(spec worldSpec) (*world, error) {
	cfg := spec.cfg
	if cfg.Dim == 0 {
		cfg.Dim = 8
	}
	if cfg.ExamplesPerShard == 0 {
		cfg.ExamplesPerShard = 16
	}
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	rec := simworld.NewRecorder()
	c, err := simworld.NewTrainingCluster(rec, cfg)
	if err != nil {
		return nil, fmt.Errorf("build world: %w", err)
	}
	h := &hooks{}
	var workers []*Worker
	for _, w := range c.Workers() {
		workers = append(workers, &Worker{w: w, hooks: h})
	}
	return &world{rec: rec, cluster: c, hooks: h, job: Job{
		Workers:         workers,
		Store:           c.Store(),
		Init:            make([]float64, cfg.Dim),
		Steps:           spec.steps,
		LR:              0.1,
		CheckpointEvery: spec.every,
		StepTimeout:     spec.timeout,
		Quorum:          spec.quorum,
	}}, nil
}

// reference trains without workers, averaging every shard except skip in
// shard order, and returns the final parameters and those after each step
// (index 0 is the initial parameters).
func (w *world) reference(skip map[int]bool) ([]float64, [][]float64) {
	params := append([]float64(nil), w.job.Init...)
	trajectory := [][]float64{params}
	for range w.job.Steps {
		var grads [][]float64
		for shard := range w.cluster.Shards() {
			if !skip[shard] {
				grads = append(grads, w.cluster.ShardGradient(shard, params))
			}
		}
		params = Apply(params, grads, w.job.LR)
		trajectory = append(trajectory, params)
	}
	return params, trajectory
}

// maxDiff returns the largest absolute difference, +Inf if the lengths differ.
func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func (w *world) outcome(pass bool, format string, args ...any) suite.Outcome {
	return suite.Outcome{Pass: pass, Observed: fmt.Sprintf(format, args...), Timeline: w.rec.Spans()}
}

// code is the implementation under test, as Where finds it: the
// exercise's own files are not.
func code(impl Impl) suite.Code { return suite.CodeOf(impl, "types.go", "suite.go") }

// callsAfter places the calls on the cluster that began after from, but
// checkpoint writes unless checkpoints, noting how long after t (when
// ctx was cancelled) they began.
func (w *world) callsAfter(impl Impl, from, t time.Duration, checkpoints bool) []suite.Location {
	var late []simworld.Call
	for _, c := range w.rec.CallsAfter(from) {
		if checkpoints || c.Resource != "checkpoint" {
			late = append(late, c)
		}
	}
	return code(impl).Calls(late, func(c simworld.Call) string {
		return fmt.Sprintf("%s (%s) started %s ctx was cancelled", c.Resource, c.Label, suite.Since(c, t))
	})
}

func describe(err error) string {
	if err == nil {
		return "returned the parameters"
	}
	return "returned error: " + err.Error()
}

// isGradient keeps the spans of gradient calls.
func isGradient(s simworld.Span) bool {
	return strings.HasPrefix(s.Resource, "worker/") && strings.HasPrefix(s.Label, "step ")
}

// compare says how params compare with want.
func compare(params, want []float64, what string) (string, bool) {
	if params == nil {
		return "no parameters", false
	}
	d := maxDiff(params, want)
	if d > tolerance {
		return fmt.Sprintf("parameters differ from %s by up to %.3g", what, d), false
	}
	return fmt.Sprintf("parameters equal %s (max difference %.1g)", what, d), true
}

func checkMatchesSequential(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: 4, LoadLatency: 5 * time.Millisecond, ComputeLatency: 5 * time.Millisecond, CheckpointLatency: 5 * time.Millisecond},
		steps: 12, every: 4, quorum: 4, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	params, runErr := impl(ctx, w.job)
	want, _ := w.reference(nil)
	cmp, ok := compare(params, want, "the sequential result")
	loss := ""
	if params != nil {
		loss = fmt.Sprintf("; loss %.3g → %.3g", w.cluster.Loss(w.job.Init), w.cluster.Loss(params))
	}
	return w.outcome(runErr == nil && ok, "%s; %s%s", describe(runErr), cmp, loss)
}

func checkParallelWorkers(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: 4, LoadLatency: 2 * time.Millisecond, ComputeLatency: 10 * time.Millisecond, CheckpointLatency: 2 * time.Millisecond},
		steps: 6, every: 3, quorum: 4, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	_, runErr := impl(ctx, w.job)
	peak := simworld.PeakOverlap(w.rec.Spans(), isGradient)
	const need = 2
	return w.outcome(runErr == nil && peak >= need, "%s; peak %d gradients computing at once over 4 workers (need >= %d)", describe(runErr), peak, need)
}

// stragglerTimeout is the step timeout of the worlds with a straggler: a
// healthy gradient (5 ms) fits in it a hundred times over, so a loaded
// machine does not make healthy workers late.
const stragglerTimeout = 500 * time.Millisecond

// stragglerSpec has worker 2 take 10 s per gradient, against a 500 ms step
// timeout and a quorum of 3 of 4.
func stragglerSpec() worldSpec {
	return worldSpec{
		cfg: simworld.TrainingConfig{Workers: 4, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 2 * time.Millisecond, Stragglers: map[int]time.Duration{2: 10 * time.Second}},
		steps: 4, every: 2, quorum: 3, timeout: stragglerTimeout,
	}
}

// stragglerDeadline bounds a run with the straggler: long enough for 4 steps
// at their 500 ms timeout twice over, much shorter than one 10 s gradient.
const stragglerDeadline = 8 * time.Second

func checkStraggler(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(stragglerSpec())
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithTimeout(ctx, stragglerDeadline)
	defer cancel()
	start := w.rec.Now()
	params, runErr := impl(runCtx, w.job)
	took := w.rec.Now() - start
	running := w.rec.TotalInFlight()
	want, _ := w.reference(map[int]bool{2: true})
	cmp, ok := compare(params, want, "training on shards 0, 1, 3 (the straggler's gradients dropped)")
	return w.outcome(runErr == nil && ok && running == 0,
		"%s after %v (deadline %v, one straggler gradient takes 10s, step timeout %v); %s; %d worker calls still running at return",
		describe(runErr), took.Round(time.Millisecond), stragglerDeadline, stragglerTimeout, cmp, running)
}

func checkCrash(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: 4, LoadLatency: 5 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 2 * time.Millisecond, Crashes: map[int]int{1: 3}},
		steps: 8, every: 4, quorum: 3, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	params, runErr := impl(ctx, w.job)
	var moved []string
	for _, s := range w.rec.Spans() {
		if s.Label == "load shard 1" && s.Resource != "worker/1" && s.Err == "" {
			moved = append(moved, s.Resource)
		}
	}
	want, _ := w.reference(nil)
	cmp, ok := compare(params, want, "the fault-free result")
	where := "never loaded on another worker"
	if len(moved) > 0 {
		where = "loaded on " + strings.Join(moved, ", ")
	}
	return w.outcome(runErr == nil && ok, "%s; worker 1 crashed at step 3, its shard 1 %s; %s", describe(runErr), where, cmp)
}

// checkCheckpoints: the last step is a checkpoint step and a write takes
// 40 ms, so a Train that returns without waiting for its writer returns
// while the last write is certainly still running, however slow the
// machine (a step after the last checkpoint would give the write time to
// end first on a loaded machine).
func checkCheckpoints(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: 3, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond, CheckpointLatency: 40 * time.Millisecond},
		steps: 9, every: 3, quorum: 3, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	_, runErr := impl(ctx, w.job)
	saved := w.job.Store.Saved() // right at return: every write must be done
	_, trajectory := w.reference(nil)
	var steps []int
	var wrong []string
	for _, cp := range saved {
		steps = append(steps, cp.Step)
		if cp.Step < 1 || cp.Step >= len(trajectory) || maxDiff(cp.Params, trajectory[cp.Step]) > tolerance {
			wrong = append(wrong, fmt.Sprintf("step %d", cp.Step))
		}
	}
	peak := w.rec.MaxInFlight("checkpoint")
	want := []int{3, 6, 9}
	obs := fmt.Sprintf("%s; saved steps %v at return (want %v); %d with wrong parameters; peak %d writes at once (max 1)",
		describe(runErr), steps, want, len(wrong), peak)
	if len(wrong) > 0 {
		obs += " (" + strings.Join(wrong, ", ") + ": a checkpoint must hold the parameters of its step, not a slice modified afterwards)"
	}
	o := w.outcome(runErr == nil && fmt.Sprint(steps) == fmt.Sprint(want) && len(wrong) == 0 && peak <= 1, "%s", obs)
	var over []simworld.Call
	for _, c := range w.rec.Calls() {
		if c.Resource == "checkpoint" && c.InFlight > 1 {
			over = append(over, c)
		}
	}
	o.Where = code(impl).Calls(over, func(c simworld.Call) string {
		return fmt.Sprintf("%s checkpoint write at once (max 1), of %s", suite.Ordinal(c.InFlight), c.Label)
	})
	return o
}

func checkCheckpointOverlap(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: 3, LoadLatency: 2 * time.Millisecond, ComputeLatency: 10 * time.Millisecond, CheckpointLatency: 20 * time.Millisecond},
		steps: 12, every: 3, quorum: 3, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	_, runErr := impl(ctx, w.job)
	spans := w.rec.Spans()
	overlapped, total := 0, 0
	for _, c := range spans {
		if c.Resource != "checkpoint" {
			continue
		}
		total++
		for _, g := range spans {
			if isGradient(g) && g.Start < c.End && c.Start < g.End {
				overlapped++
				break
			}
		}
	}
	return w.outcome(runErr == nil && overlapped >= 1, "%s; %d of %d checkpoint writes overlapped gradient computation (need >= 1)",
		describe(runErr), overlapped, total)
}

func checkErrorPropagation(ctx context.Context, impl Impl) suite.Outcome {
	const every = 2
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: 3, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 10 * time.Millisecond, FailCheckpoint: 2},
		steps: 40, every: every, quorum: 3, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	_, runErr := impl(ctx, w.job)
	running := w.rec.TotalInFlight()
	failedAt := time.Duration(-1)
	for _, s := range w.rec.SpansOf("checkpoint") {
		if s.Err != "" {
			failedAt = s.End
		}
	}
	if failedAt < 0 {
		return w.outcome(false, "%s; the failing checkpoint (the 2nd) was never written", describe(runErr))
	}
	after := 0
	for _, s := range w.rec.Spans() {
		if isGradient(s) && s.Start > failedAt {
			after++
		}
	}
	limit := every * len(w.job.Workers)
	return w.outcome(errors.Is(runErr, simworld.ErrCheckpointFailed) && after <= limit && running == 0,
		"%s (want simworld.ErrCheckpointFailed, wrapped); %d gradients started after the failed write (at most %d, K=%d steps); %d calls running at return",
		describe(runErr), after, limit, every, running)
}

// runWithin runs impl on runCtx in a goroutine and waits for it until
// limit passed; ok is false if it had not returned by then (it hangs: its
// goroutine is left behind for the leak check).
func (w *world) runWithin(ctx, runCtx context.Context, impl Impl, limit time.Duration) (params []float64, err error, running int, ok bool) {
	type ret struct {
		params  []float64
		err     error
		running int
	}
	done := make(chan ret, 1) // buffered: a late return never blocks
	go func() {
		p, err := impl(runCtx, w.job)
		done <- ret{p, err, w.rec.TotalInFlight()}
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.params, r.err, r.running, true
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil, nil, 0, false
}

func checkStragglerAndCrash(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: 4, LoadLatency: 5 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 2 * time.Millisecond, Stragglers: map[int]time.Duration{0: 10 * time.Second}, Crashes: map[int]int{3: 3}},
		steps: 4, every: 4, quorum: 3, timeout: stragglerTimeout,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithTimeout(ctx, stragglerDeadline)
	defer cancel()
	params, runErr := impl(runCtx, w.job)
	running := w.rec.TotalInFlight()
	var moved []string
	for _, s := range w.rec.Spans() {
		if s.Label == "load shard 3" && s.Resource != "worker/3" && s.Err == "" {
			moved = append(moved, s.Resource)
		}
	}
	where := "never loaded on another worker"
	if len(moved) > 0 {
		where = "loaded on " + strings.Join(moved, ", ")
	}
	want, _ := w.reference(map[int]bool{0: true})
	cmp, ok := compare(params, want, "training on shards 1, 2, 3 every step (the straggler's shard 0 dropped)")
	return w.outcome(runErr == nil && ok && running == 0,
		"%s; worker 0 straggles (10 s per gradient, step timeout %v), worker 3 crashed at step 3: its shard 3 %s; %s; %d calls running at return",
		describe(runErr), stragglerTimeout, where, cmp, running)
}

// The slow-reassignment worlds: loading a shard takes three step timeouts,
// so a reassignment is always cut off by the step's end, while a gradient
// (5 ms) fits in a step 100 times over: under a CPU hog the whole process
// stalled past a 200 ms step (1 run in 20), never past 500 ms.
const (
	slowLoad        = 1500 * time.Millisecond
	slowStepTimeout = 500 * time.Millisecond
)

// checkSlowReassignment crashes worker 1 and then, in a second world, worker
// 0 at step 2 of 5. The crashed worker's shard moves to a worker of a lower
// index in the first world (usually), of a higher one in the second: a load
// queued ahead of the new owner's own gradient shows only there.
func checkSlowReassignment(ctx context.Context, impl Impl) suite.Outcome {
	first := checkSlowReassignmentOf(ctx, impl, 1)
	if !first.Pass {
		return first
	}
	second := checkSlowReassignmentOf(ctx, impl, 0)
	second.Observed = first.Observed + "; " + second.Observed
	return second
}

func checkSlowReassignmentOf(ctx context.Context, impl Impl, crashed int) suite.Outcome {
	const workers, crashStep, steps = 4, 2, 5
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: workers, LoadLatency: slowLoad, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 2 * time.Millisecond, Crashes: map[int]int{crashed: crashStep}},
		steps: steps, every: 3, quorum: 2, timeout: slowStepTimeout,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithTimeout(ctx, stragglerDeadline)
	defer cancel()
	params, runErr := impl(runCtx, w.job)
	running := w.rec.TotalInFlight()
	notLoaded := 0
	ok := map[string]bool{} // "step S shard I" computed without error
	var moved []string
	for _, s := range w.rec.Spans() {
		if strings.Contains(s.Err, simworld.ErrShardNotLoaded.Error()) {
			notLoaded++
		}
		if s.Err == "" && isGradient(s) {
			ok[s.Label] = true
		}
		if s.Label == fmt.Sprintf("load shard %d", crashed) && s.Resource != fmt.Sprintf("worker/%d", crashed) {
			moved = append(moved, s.Resource)
		}
	}
	// Every healthy worker computes its own shard in every step: a slow load
	// of the moved shard must not hold it up.
	var missed []string
	for step := 1; step <= steps; step++ {
		for shard := range workers {
			if shard != crashed && !ok[fmt.Sprintf("step %d shard %d", step, shard)] {
				missed = append(missed, fmt.Sprintf("step %d shard %d", step, shard))
			}
		}
	}
	// The moved shard is not lost: its load (three steps long) has finished
	// by the last step, which computes it.
	rejoined := ok[fmt.Sprintf("step %d shard %d", steps, crashed)]
	where := "never loaded elsewhere"
	if len(moved) > 0 {
		where = fmt.Sprintf("moved to %s (load calls: %d)", strings.Join(slices.Compact(moved), ", "), len(moved))
	}
	gaps := "none"
	if len(missed) > 0 {
		gaps = strings.Join(missed, ", ")
	}
	loss := ""
	if params != nil {
		loss = fmt.Sprintf("; loss %.3g → %.3g", w.cluster.Loss(w.job.Init), w.cluster.Loss(params))
	}
	pass := runErr == nil && params != nil && notLoaded == 0 && len(missed) == 0 && rejoined && running == 0 &&
		w.cluster.Loss(params) < w.cluster.Loss(w.job.Init)
	return w.outcome(pass,
		"worker %d crashed at step %d of %d, its shard %d %s (a load takes %v, a step times out after %v): %s; %d gradient calls on a worker that did not hold the shard (want 0: a shard is loaded only once its load succeeded); healthy workers' own shards missing from a step: %s (want none); shard %d computed in the last step: %t (want true)%s; %d calls running at return",
		crashed, crashStep, steps, crashed, where, slowLoad, slowStepTimeout, describe(runErr), notLoaded, gaps, crashed, rejoined, loss, running)
}

func checkCancelledOnEntry(ctx context.Context, impl Impl) suite.Outcome {
	before := goleak.IgnoreCurrent()
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: 4, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond, CheckpointLatency: 2 * time.Millisecond},
		steps: 6, every: 2, quorum: 4, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithCancel(ctx)
	cancel()
	_, runErr, running, ok := w.runWithin(ctx, runCtx, impl, 2*time.Second)
	if !ok {
		return w.outcome(false, "ctx was cancelled before the call, and Train was still running 2s later: something waits without watching ctx")
	}
	calls := len(w.rec.Spans()) + running
	var problems []string
	if !errors.Is(runErr, context.Canceled) {
		problems = append(problems, describe(runErr)+" (want context.Canceled)")
	}
	var where []suite.Location
	if calls > 0 {
		problems = append(problems, fmt.Sprintf("%d calls started (want none)", calls))
		where = code(impl).Calls(w.rec.Calls(), func(c simworld.Call) string {
			return fmt.Sprintf("%s (%s) called although ctx was cancelled before the call", c.Resource, c.Label)
		})
	}
	if err := goleak.Find(before); err != nil {
		problems = append(problems, fmt.Sprintf("goroutines still running after it returned: %v", err))
		where = append(where, code(impl).Leaked(err)...)
	}
	if len(problems) > 0 {
		o := w.outcome(false, "ctx was cancelled before the call; %s", strings.Join(problems, "; "))
		o.Where = where
		return o
	}
	return w.outcome(true, "ctx was cancelled before the call: %s; no call started, no goroutine left", describe(runErr))
}

func checkCancellation(ctx context.Context, impl Impl) suite.Outcome {
	first := checkCancelledMidRun(ctx, impl)
	if !first.Pass {
		return first
	}
	second := checkCancelReachesStep(ctx, impl)
	second.Observed = first.Observed + "; " + second.Observed
	return second
}

// checkCancelReachesStep cancels the run while a step waits for a
// straggler, long before the step's timeout: only a step context derived
// from the run's ends the wait.
func checkCancelReachesStep(ctx context.Context, impl Impl) suite.Outcome {
	const workers, stepTimeout, bound = 4, 3 * time.Second, time.Second
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: workers, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 2 * time.Millisecond, Stragglers: map[int]time.Duration{3: 10 * time.Second}},
		steps: 4, every: 2, quorum: 3, timeout: stepTimeout,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cancelledAt atomic.Int64
	var once sync.Once
	fast := 0
	var mu sync.Mutex
	w.hooks.gradient = func(step, shard int) {
		mu.Lock()
		fast++
		n := fast
		mu.Unlock()
		if n == workers-1 { // step 1's fast gradients are in; the straggler computes
			once.Do(func() {
				cancelledAt.Store(int64(w.rec.Now()))
				cancel()
			})
		}
	}
	start := w.rec.Now()
	_, runErr, running, ok := w.runWithin(ctx, runCtx, impl, stepTimeout+2*time.Second)
	at := time.Duration(cancelledAt.Load())
	if !ok {
		return w.outcome(false, "cancelled while step 1 waited for the straggler: Train was still running %v later", stepTimeout+2*time.Second)
	}
	if at == 0 {
		return w.outcome(false, "%s; step 1's 3 fast gradients never arrived", describe(runErr))
	}
	took := w.rec.Now() - at
	if took < 0 {
		took = w.rec.Now() - start
	}
	return w.outcome(errors.Is(runErr, context.Canceled) && took < bound && running == 0,
		"cancelled while step 1 waited for the straggler (step timeout %v): %s (want context.Canceled) %v after the cancel (bound %v); %d calls running at return",
		stepTimeout, describe(runErr), took.Round(time.Millisecond), bound, running)
}

func checkCancelledBetweenSteps(ctx context.Context, impl Impl) suite.Outcome {
	const workers = 4
	w, err := newWorld(worldSpec{
		cfg:   simworld.TrainingConfig{Workers: workers, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond, CheckpointLatency: 2 * time.Millisecond},
		steps: 8, every: 5, quorum: workers, timeout: 5 * time.Second,
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cancelledAt atomic.Int64
	var mu sync.Mutex
	done := 0
	w.hooks.gradient = func(step, shard int) {
		if step != 2 {
			return
		}
		mu.Lock()
		done++
		last := done == workers
		mu.Unlock()
		if last { // step 2 is complete and nothing else is running
			cancelledAt.Store(int64(w.rec.Now()))
			cancel()
		}
	}
	_, runErr, running, ok := w.runWithin(ctx, runCtx, impl, 2*time.Second)
	if !ok {
		return w.outcome(false, "cancelled between steps 2 and 3: Train was still running 2s later: something waits without watching ctx")
	}
	at := time.Duration(cancelledAt.Load())
	if at == 0 {
		return w.outcome(false, "%s; step 2 never completed", describe(runErr))
	}
	later := 0
	for _, s := range w.rec.Spans() {
		if s.Start > at && s.Resource != "checkpoint" {
			later++
		}
	}
	o := w.outcome(errors.Is(runErr, context.Canceled) && later == 0 && running == 0,
		"cancelled between steps 2 and 3: %s (want context.Canceled); %d worker calls started after the cancel (want 0); %d calls running at return",
		describe(runErr), later, running)
	if later > 0 {
		o.Where = w.callsAfter(impl, at, at, false)
	}
	return o
}

func checkCancelledMidRun(ctx context.Context, impl Impl) suite.Outcome {
	const workers = 4
	w, err := newWorld(worldSpec{
		cfg: simworld.TrainingConfig{Workers: workers, LoadLatency: 2 * time.Millisecond, ComputeLatency: 10 * time.Millisecond,
			CheckpointLatency: 10 * time.Millisecond},
		steps: 500, every: 5, quorum: workers, timeout: 5 * time.Second, // 5 s even at full concurrency
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ret struct {
		err     error
		at      time.Duration
		running int
	}
	done := make(chan ret, 1) // buffered: the run never blocks on reporting
	go func() {
		_, err := impl(runCtx, w.job)
		done <- ret{err, w.rec.Now(), w.rec.TotalInFlight()}
	}()
	awaitErr := w.cluster.AwaitGradients(ctx, 2*workers) // two steps' worth, mid-run
	cancelledAt := w.rec.Now()
	cancel()
	r := <-done
	if awaitErr != nil {
		return w.outcome(false, "%s; training never got going (%v)", describe(r.err), awaitErr)
	}
	const bound, margin = 2 * time.Second, 200 * time.Millisecond
	late := 0
	for _, s := range w.rec.Spans() {
		if s.Start > cancelledAt+margin {
			late++
		}
	}
	took := r.at - cancelledAt
	o := w.outcome(errors.Is(r.err, context.Canceled) && took < bound && late == 0 && r.running == 0,
		"%s (want context.Canceled); returned %v after cancel (bound %v); %d calls started more than %v after it; %d running at return",
		describe(r.err), took.Round(time.Millisecond), bound, late, margin, r.running)
	if late > 0 {
		o.Where = w.callsAfter(impl, cancelledAt+margin, cancelledAt, true)
	}
	return o
}

func checkNoLeaks(ctx context.Context, impl Impl) suite.Outcome {
	var notes []string
	var where []suite.Location
	pass := true
	faulty := stragglerSpec()
	faulty.steps = 3
	faulty.cfg.Crashes = map[int]int{1: 2}
	failing := worldSpec{
		cfg: simworld.TrainingConfig{Workers: 3, LoadLatency: 2 * time.Millisecond, ComputeLatency: 5 * time.Millisecond,
			CheckpointLatency: 5 * time.Millisecond, FailCheckpoint: 1},
		steps: 20, every: 2, quorum: 2, timeout: 5 * time.Second,
	}
	for _, run := range []struct {
		name string
		spec worldSpec
	}{
		{"after a run with a 10s straggler and a crash", faulty},
		{"after a run that failed on a checkpoint", failing},
	} {
		before := goleak.IgnoreCurrent()
		w, err := newWorld(run.spec)
		if err != nil {
			return suite.Outcome{Observed: err.Error()}
		}
		// The run's bound (2 s) stops an implementation that waits for the
		// straggler; a run that returns in time is not cancelled before the
		// leak check, so a straggler left sleeping on ctx is still found,
		// however long the check takes (a deadline would end that sleep on
		// its own on a loaded machine, and the leaking goroutine with it).
		runCtx, cancel := context.WithCancel(ctx)
		bound := time.AfterFunc(2*time.Second, cancel)
		_, runErr := impl(runCtx, w.job)
		bound.Stop()
		leakErr := goleak.Find(before)
		cancel()
		if leakErr != nil {
			pass = false
			where = append(where, code(impl).Leaked(leakErr)...)
			notes = append(notes, fmt.Sprintf("%s (%s): %v", run.name, describe(runErr), leakErr))
		} else {
			notes = append(notes, fmt.Sprintf("%s (%s): none left", run.name, describe(runErr)))
		}
	}
	return suite.Outcome{Pass: pass, Observed: strings.Join(notes, "; "), Where: where}
}
