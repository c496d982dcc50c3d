package hyperparamtuning

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Files holds the exercise's documents and code for the workbook.
//
//go:embed README.md guide.md exercise.go solution.go
var Files embed.FS

// Info describes the exercise for the catalog.
var Info = suite.Info{
	Slug:    "hyperparameter-tuning",
	Dir:     "hyperparamtuning",
	Title:   "Hyperparameter tuning",
	Order:   4,
	Summary: "Search hyperparameters on a fixed pool of accelerators, stopping poor trials early by cancelling them.",
	Patterns: []string{
		"resource pooling and management",
		"CPU-bound processing in worker pools",
		"coordinating parallel workers",
	},
	Files: Files,
}

// Suite returns the property suite every implementation is checked by: a
// fresh value on each call, so no code under test can swap its checks.
func Suite() suite.Suite[Impl] {
	return suite.Suite[Impl]{
		Exercise: "hyperparameter-tuning",
		Properties: []suite.Property[Impl]{
			{
				Name:        "best-trial",
				Pattern:     "coordinating parallel workers",
				Description: "the best trial is found, trained to the last epoch, and every trial's result is reported in order",
				Check:       checkBestTrial,
			},
			{
				Name:        "slot-limit",
				Pattern:     "resource pooling and management",
				Description: "never more accelerators held than the pool has: no Acquire refused, no device misused",
				Check:       checkSlotLimit,
			},
			{
				Name:        "pool-busy",
				Pattern:     "CPU-bound processing in worker pools",
				Description: "at least 2 of the 4 accelerators train at the same moment",
				Concurrency: true,
				Check:       checkPoolBusy,
			},
			{
				Name:        "early-stopping",
				Pattern:     "coordinating parallel workers",
				Description: "poor trials are stopped: the search completes at most 80% of trials × max epochs",
				Check:       checkEarlyStopping,
			},
			{
				Name:        "stop-by-cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "a stopped trial's context is cancelled: its epoch in progress is interrupted and its device freed at once",
				Concurrency: true,
				Check:       checkStopByCancellation,
			},
			{
				Name:        "slots-released",
				Pattern:     "resource pooling and management",
				Description: "every accelerator acquired is released by the time the search returns",
				Check:       checkSlotsReleased,
			},
			{
				Name:        "cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "after ctx is cancelled the search returns ctx's error promptly, starts no new epoch, and has released every device",
				Check:       checkCancellation,
			},
			{
				Name:        "no-leaked-goroutines",
				Pattern:     "coordinating parallel workers",
				Description: "no goroutine is left running after the search returns, whether it completed or was cancelled",
				Check:       checkNoLeakedGoroutines,
			},
		},
	}
}

// The properties' search: 16 trials on 4 devices, 8 epochs of 4 to 8 ms.
const (
	propertyDevices = 4
	propertyTrials  = 16
	propertyEpochs  = 8
	propertyEpoch   = 4 * time.Millisecond
	propertyJitter  = 4 * time.Millisecond
)

var propertyRule = StopRule{Grace: 2, MinPeers: 3}

// world is a fresh simulated machine and search for one run.
type world struct {
	rec    *simworld.Recorder
	pool   *Pool
	trials []Trial
	cfg    Config
}

func newWorld(devices, n int, epoch, jitter time.Duration, cfg Config, seed uint64) world {
	rec := simworld.NewRecorder()
	return world{rec: rec, pool: simworld.NewAcceleratorPool(rec, devices), trials: sampleTrials(n, epoch, jitter, seed), cfg: cfg}
}

func newPropertyWorld() world {
	return newWorld(propertyDevices, propertyTrials, propertyEpoch, propertyJitter,
		Config{MaxEpochs: propertyEpochs, Stop: propertyRule}, 7)
}

// sampleTrials draws n trials: log-uniform learning rates, batch sizes and
// dropouts around the optimum, epoch times in [epoch, epoch+jitter).
func sampleTrials(n int, epoch, jitter time.Duration, seed uint64) []Trial {
	rng := rand.New(rand.NewPCG(seed, 0x7e57))
	batches := []int{16, 32, 64, 128, 256}
	out := make([]Trial, n)
	for i := range out {
		d := epoch
		if jitter > 0 {
			d += time.Duration(rng.Int64N(int64(jitter)))
		}
		out[i] = Trial{
			Name:         fmt.Sprintf("trial-%02d", i),
			LearningRate: math.Pow(10, -5+3*rng.Float64()),
			BatchSize:    batches[rng.IntN(len(batches))],
			Dropout:      0.5 * rng.Float64(),
			EpochTime:    d,
		}
	}
	return out
}

// bestTrial is the index of the trial with the lowest final loss.
func (w world) bestTrial() int {
	best := 0
	for i, t := range w.trials {
		if t.Loss(w.cfg.MaxEpochs) < w.trials[best].Loss(w.cfg.MaxEpochs) {
			best = i
		}
	}
	return best
}

// runResult is what one run of an implementation returned and left behind.
type runResult struct {
	res Result
	err error
	// at the moment impl returned:
	inFlight int // epochs still running
	inUse    int // devices still held
}

func (w world) run(ctx context.Context, impl Impl) runResult {
	res, err := impl(ctx, w.pool, w.trials, w.cfg)
	return runResult{res: res, err: err, inFlight: w.rec.TotalInFlight(), inUse: w.pool.InUse()}
}

// epochs counts the recorded epochs: those that completed and those that a
// cancellation interrupted.
func (w world) epochs() (completed, interrupted int) {
	for _, s := range w.rec.Spans() {
		switch s.Err {
		case "":
			completed++
		case context.Canceled.Error():
			interrupted++
		}
	}
	return completed, interrupted
}

// wrong describes the first thing wrong with a completed search's result,
// or returns "".
func (w world) wrong(r Result) string {
	if len(r.Trials) != len(w.trials) {
		return fmt.Sprintf("got %d trial results, want %d", len(r.Trials), len(w.trials))
	}
	for i, tr := range r.Trials {
		t := w.trials[i]
		switch {
		case tr.Trial != i || tr.Name != t.Name:
			return fmt.Sprintf("result %d is for trial %d (%q), want %d (%q)", i, tr.Trial, tr.Name, i, t.Name)
		case tr.Epochs < 1 || tr.Epochs > w.cfg.MaxEpochs:
			return fmt.Sprintf("%s: %d epochs, want 1 to %d", t.Name, tr.Epochs, w.cfg.MaxEpochs)
		case tr.Loss != t.Loss(tr.Epochs):
			return fmt.Sprintf("%s: loss %.4f is not its loss after %d epochs (%.4f)", t.Name, tr.Loss, tr.Epochs, t.Loss(tr.Epochs))
		case !tr.Stopped && tr.Epochs != w.cfg.MaxEpochs:
			return fmt.Sprintf("%s: not stopped but only %d of %d epochs", t.Name, tr.Epochs, w.cfg.MaxEpochs)
		}
	}
	best := w.bestTrial()
	if r.Best.Trial != best {
		return fmt.Sprintf("best is trial %d (%s), want %s with final loss %.4f", r.Best.Trial, r.Best.Name, w.trials[best], w.trials[best].Loss(w.cfg.MaxEpochs))
	}
	if r.Best.Epochs != w.cfg.MaxEpochs || r.Best.Loss != w.trials[best].Loss(w.cfg.MaxEpochs) {
		return fmt.Sprintf("best %s reported %d epochs, loss %.4f; want %d epochs, loss %.4f", r.Best.Name, r.Best.Epochs, r.Best.Loss, w.cfg.MaxEpochs, w.trials[best].Loss(w.cfg.MaxEpochs))
	}
	return ""
}

// stopped counts the trials reported as stopped early.
func stopped(r Result) int {
	n := 0
	for _, tr := range r.Trials {
		if tr.Stopped {
			n++
		}
	}
	return n
}

func checkBestTrial(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	if r.err != nil {
		o.Observed = fmt.Sprintf("the search failed: %v", r.err)
		return o
	}
	if bad := w.wrong(r.res); bad != "" {
		o.Observed = bad
		return o
	}
	o.Pass = true
	best := w.trials[r.res.Best.Trial]
	o.Observed = fmt.Sprintf("best %s: loss %.4f after %d epochs; %d of %d trials stopped early",
		best, r.res.Best.Loss, r.res.Best.Epochs, stopped(r.res), len(w.trials))
	return o
}

func checkSlotLimit(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	p := w.pool
	o := suite.Outcome{Timeline: w.rec.Spans()}
	o.Pass = p.Rejected() == 0 && p.MaxInUse() <= p.Size() && p.Misuses() == 0 && r.err == nil
	o.Observed = fmt.Sprintf("at most %d of %d accelerators held at once; %d Acquire calls refused; %d misuses (double release, use after release, two jobs on one device)",
		p.MaxInUse(), p.Size(), p.Rejected(), p.Misuses())
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the search failed: %v", r.err)
	}
	return o
}

func checkPoolBusy(ctx context.Context, impl Impl) suite.Outcome {
	const atLeast = 2
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	n := w.rec.MaxInFlightTotal()
	o := suite.Outcome{Pass: r.err == nil && n >= atLeast, Timeline: w.rec.Spans()}
	o.Observed = fmt.Sprintf("at most %d of %d accelerators trained at the same moment; need at least %d", n, w.pool.Size(), atLeast)
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the search failed: %v", r.err)
	}
	return o
}

func checkEarlyStopping(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	completed, interrupted := w.epochs()
	all := len(w.trials) * w.cfg.MaxEpochs
	limit := all * 8 / 10
	o := suite.Outcome{Timeline: w.rec.Spans()}
	o.Pass = r.err == nil && completed <= limit && stopped(r.res) > 0
	o.Observed = fmt.Sprintf("%d epochs completed (%d interrupted) of %d without stopping, at most %d allowed; %d trials stopped early",
		completed, interrupted, all, limit, stopped(r.res))
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the search failed: %v", r.err)
	}
	return o
}

func checkStopByCancellation(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	spans := w.rec.Spans()
	o := suite.Outcome{Timeline: spans}
	if r.err != nil {
		o.Observed = fmt.Sprintf("the search failed: %v", r.err)
		return o
	}
	// No one cancels this search's ctx, so an interrupted epoch can only be
	// a trial that was stopped while it trained.
	var cut []string
	var ran, full time.Duration
	byLabel := map[string]time.Duration{}
	for _, t := range w.trials {
		for e := 1; e <= w.cfg.MaxEpochs; e++ {
			byLabel[fmt.Sprintf("%s epoch %d", t.Name, e)] = t.EpochTime
		}
	}
	for _, s := range spans {
		if s.Err == context.Canceled.Error() {
			cut = append(cut, s.Label)
			ran += s.End - s.Start
			full += byLabel[s.Label]
		}
	}
	if len(cut) == 0 {
		o.Observed = fmt.Sprintf("%d trials stopped, but no epoch was interrupted: stopped trials ran each epoch to its end before stopping", stopped(r.res))
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("%d epochs interrupted by a stop (e.g. %s): they held their devices %v in all, instead of %v had they run to the end",
		len(cut), cut[0], ran.Round(100*time.Microsecond), full.Round(100*time.Microsecond))
	return o
}

func checkSlotsReleased(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	p := w.pool
	o := suite.Outcome{Timeline: w.rec.Spans()}
	o.Pass = r.err == nil && r.inUse == 0 && p.Acquired() == p.Released() && p.Misuses() == 0
	o.Observed = fmt.Sprintf("%d accelerators acquired, %d released, %d held when the search returned, %d misuses",
		p.Acquired(), p.Released(), r.inUse, p.Misuses())
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the search failed: %v", r.err)
	}
	return o
}

// runCancelled runs impl and cancels its ctx once afterRuns epochs started.
// It returns the run, when it was cancelled, and how long impl took to
// return after that; ok is false (with a reason) if impl never got going
// or did not return within promptly.
func (w world) runCancelled(ctx context.Context, impl Impl, afterRuns int, promptly time.Duration) (r runResult, cancelAt, took time.Duration, why string) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan runResult, 1) // buffered: the run never blocks if we stop waiting
	go func() { done <- w.run(runCtx, impl) }()

	wait, stopWait := context.WithTimeout(ctx, 10*time.Second)
	err := w.pool.AwaitRuns(wait, afterRuns)
	stopWait()
	cancelAt = w.rec.Now()
	cancel()
	if err != nil {
		<-done
		return r, cancelAt, 0, fmt.Sprintf("never got under way: %v", err)
	}
	timer := time.NewTimer(promptly)
	defer timer.Stop()
	select {
	case r = <-done:
		return r, cancelAt, w.rec.Now() - cancelAt, ""
	case <-timer.C:
		select {
		case <-done:
		case <-ctx.Done():
		}
		return r, cancelAt, 0, fmt.Sprintf("still running %v after ctx was cancelled", promptly)
	}
}

func checkCancellation(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r, cancelAt, took, why := w.runCancelled(ctx, impl, 6, 2*time.Second)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	if why != "" {
		o.Observed = why
		return o
	}
	later := w.rec.StartedAfter(cancelAt)
	margin := w.pool.Size()
	var problems []string
	if !errors.Is(r.err, context.Canceled) {
		problems = append(problems, fmt.Sprintf("returned %v, want an error wrapping context.Canceled", r.err))
	}
	if later > margin {
		problems = append(problems, fmt.Sprintf("%d epochs started after the cancel (allowed: %d already starting)", later, margin))
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d epochs still running when it returned", r.inFlight))
	}
	if r.inUse > 0 {
		problems = append(problems, fmt.Sprintf("%d accelerators still held when it returned", r.inUse))
	}
	if len(problems) > 0 {
		o.Observed = strings.Join(problems, "; ")
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("returned %q %v after the cancel; %d epochs started after it (margin %d); no epoch running, no device held",
		r.err, took.Round(10*time.Microsecond), later, margin)
	return o
}

func checkNoLeakedGoroutines(ctx context.Context, impl Impl) suite.Outcome {
	before := goleak.IgnoreCurrent()
	ok := newPropertyWorld()
	okRun := ok.run(ctx, impl)
	cancelled := newPropertyWorld()
	_, _, _, why := cancelled.runCancelled(ctx, impl, 6, 2*time.Second)

	o := suite.Outcome{Timeline: ok.rec.Spans()}
	switch {
	case okRun.err != nil:
		o.Observed = fmt.Sprintf("the search failed: %v", okRun.err)
	case why != "":
		o.Observed = "the cancelled search " + why
	default:
		if err := goleak.Find(before); err != nil {
			o.Observed = fmt.Sprintf("goroutines still running after the search returned: %v", err)
		} else {
			o.Pass = true
			o.Observed = "no goroutine left running after a completed search and after a cancelled one"
		}
	}
	return o
}

// The benchmark search: 16 trials of 8 epochs of 5 ms each on 4 devices,
// with stopping disabled (Grace beyond the last epoch) so that every
// implementation does the same work and the ideal speedup is exact.
const (
	benchDevices = 4
	benchTrials  = 16
	benchEpochs  = 8
	benchEpoch   = 5 * time.Millisecond
)

// IdealSpeedup is the best speedup over Sequential on the benchmark search.
// Sequential trains 16 × 8 epochs × 5 ms = 640 ms on one device; with 4
// devices, 4 rounds of 4 trials each take 4 × 8 × 5 ms = 160 ms: 640/160 = 4.
const IdealSpeedup = float64(benchTrials*benchEpochs*benchEpoch) /
	float64((benchTrials+benchDevices-1)/benchDevices*benchEpochs*benchEpoch)

// Workload runs impl once on the benchmark search and checks its result.
func Workload(ctx context.Context, impl Impl) error {
	w := newWorld(benchDevices, benchTrials, benchEpoch, 0,
		Config{MaxEpochs: benchEpochs, Stop: StopRule{Grace: benchEpochs + 1, MinPeers: 3}}, 11)
	r := w.run(ctx, impl)
	if r.err != nil {
		return fmt.Errorf("run search: %w", r.err)
	}
	if bad := w.wrong(r.res); bad != "" {
		return fmt.Errorf("check search: %s", bad)
	}
	return nil
}
