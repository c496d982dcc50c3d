package hyperparamtuning

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
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
		// Every search is bounded by runBound: a check ends well within this,
		// unless the implementation hangs without watching ctx.
		Timeout: 10 * time.Second,
		Properties: []suite.Property[Impl]{
			{
				Name:        "best-trial",
				Pattern:     "coordinating parallel workers",
				Description: "the best trial is found, trained to the last epoch, and every trial's result is reported in order",
				Check:       bounded(checkBestTrial),
			},
			{
				Name:        "slot-limit",
				Pattern:     "resource pooling and management",
				Description: "each device runs one epoch at a time and is never used after its release: no two trials share a device, none is released twice or while its epoch runs, also when a trial is stopped mid-epoch",
				Check:       bounded(checkSlotLimit),
			},
			{
				Name:        "pool-busy",
				Pattern:     "CPU-bound processing in worker pools",
				Description: "at least 2 of the 4 accelerators train at the same moment",
				Concurrency: true,
				Check:       bounded(checkPoolBusy),
			},
			{
				Name:        "early-stopping",
				Pattern:     "coordinating parallel workers",
				Description: "poor trials are stopped: the search completes at most 80% of trials × max epochs",
				Check:       bounded(checkEarlyStopping),
			},
			{
				Name:        "stop-by-cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "a trial stopped by another trial's report while it trains has its epoch interrupted at once, not run to its end (a slow trial is always mid-epoch when its peers' reports stop it)",
				Concurrency: true,
				Check:       bounded(checkStopByCancellation),
			},
			{
				Name:        "slots-released",
				Pattern:     "resource pooling and management",
				Description: "every accelerator acquired is released by the time the search returns, stopped trials' included",
				Check:       bounded(checkSlotsReleased),
			},
			{
				Name:        "device-failure",
				Pattern:     "coordinating parallel workers",
				Description: "a device that fails mid-epoch fails the search: it returns that error (errors.Is ErrDeviceFailed) promptly, starts no new epoch, and holds no device",
				Check:       bounded(checkDeviceFailure),
			},
			{
				Name:        "cancelled-on-entry",
				Pattern:     "coordinating parallel workers",
				Description: "with ctx already cancelled the search returns ctx's error at once: no device acquired, no epoch started, no goroutine left",
				Check:       bounded(checkCancelledOnEntry),
			},
			{
				Name:        "cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "after ctx is cancelled mid-epoch the search returns ctx's error promptly, starts no new epoch, and has released every device",
				Check:       bounded(checkCancellation),
			},
			{
				Name:        "cancelled-between-epochs",
				Pattern:     "coordinating parallel workers",
				Description: "ctx cancelled between two epochs (none in progress to interrupt) still ends the search with ctx's error, promptly, with no further epoch",
				Check:       bounded(checkCancelledBetweenEpochs),
			},
			{
				Name:        "no-leaked-goroutines",
				Pattern:     "coordinating parallel workers",
				Description: "no goroutine is left running after the search returns, whether it completed or was cancelled",
				Check:       bounded(checkNoLeakedGoroutines),
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
	return world{rec: rec, pool: NewPool(rec, devices), trials: sampleTrials(n, epoch, jitter, seed), cfg: cfg}
}

// runBound bounds one property's searches: a correct search takes well
// under a second even on a loaded machine, and one that waits forever (a
// device never released, a reply never sent) fails instead of hanging.
const runBound = 3 * time.Second

// bounded gives check's searches runBound in all. The bound's context is
// cancelled only when the check returns, so a goroutine that lives as long
// as ctx is still running when a check looks for leaks.
func bounded(check func(context.Context, Impl) suite.Outcome) func(context.Context, Impl) suite.Outcome {
	return func(ctx context.Context, impl Impl) suite.Outcome {
		ctx, cancel := context.WithTimeout(ctx, runBound)
		defer cancel()
		return check(ctx, impl)
	}
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
	inFlight int             // epochs still running
	inUse    int             // devices still held
	running  []simworld.Call // those epochs
	held     []simworld.Call // those holds, from their Acquire
}

// code is the implementation under test, as Where finds it: the
// exercise's own files are not.
func code(impl Impl) suite.Code { return suite.CodeOf(impl, "types.go", "pool.go", "suite.go") }

// runningOf returns the calls of calls still running.
func runningOf(calls []simworld.Call) []simworld.Call {
	var out []simworld.Call
	for _, c := range calls {
		if c.Running {
			out = append(out, c)
		}
	}
	return out
}

// leftBehind places the epochs still running and the devices still held
// when impl returned.
func (r runResult) leftBehind(impl Impl) []suite.Location {
	where := code(impl).Calls(r.running, func(c simworld.Call) string {
		return fmt.Sprintf("%s still running on %s when the search returned", c.Label, strings.TrimPrefix(c.Resource, "accelerator/"))
	})
	return append(where, code(impl).Calls(r.held, func(c simworld.Call) string {
		return fmt.Sprintf("%s acquired here, still held when the search returned", c.Resource)
	})...)
}

// misuses places the misuses of the pool's devices.
func (w world) misuses(impl Impl) []suite.Location {
	return code(impl).Calls(w.pool.misused.Calls(), func(c simworld.Call) string {
		return fmt.Sprintf("%s %s", c.Resource, c.Label)
	})
}

// epochsAfter places the epochs that began after t (why: "ctx was cancelled").
func (w world) epochsAfter(impl Impl, t time.Duration, why string) []suite.Location {
	return code(impl).Calls(w.rec.CallsAfter(t), func(c simworld.Call) string {
		return fmt.Sprintf("%s started %s %s", c.Label, suite.Since(c, t), why)
	})
}

// runWithin runs impl on ctx, waiting for it at most until ctx is done; ok
// is false if it had not returned by then (it hangs: its goroutine is left
// behind, and the leak check will show where it is stuck).
func (w world) runWithin(ctx context.Context, runCtx context.Context, impl Impl) (r runResult, ok bool) {
	done := make(chan runResult, 1) // buffered: a late return never blocks
	go func() { done <- w.run(runCtx, impl) }()
	select {
	case r = <-done:
		return r, true
	case <-ctx.Done():
		select {
		case r = <-done:
			return r, true
		default:
			return r, false
		}
	}
}

func (w world) run(ctx context.Context, impl Impl) runResult {
	res, err := impl(ctx, w.pool, w.trials, w.cfg)
	r := runResult{res: res, err: err, inFlight: w.rec.TotalInFlight(), inUse: w.pool.InUse(),
		running: runningOf(w.rec.Calls()), held: runningOf(w.pool.held.Calls())}
	if ctx.Err() == context.DeadlineExceeded {
		r.err = fmt.Errorf("the search did not finish within %v (%d Acquire calls waiting, %d devices held): %w", runBound, w.pool.Waiting(), w.pool.InUse(), err)
	}
	return r
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
	trained := map[string]bool{} // the labels of the epochs that completed
	for _, s := range w.rec.Spans() {
		if s.Err == "" {
			trained[s.Label] = true
		}
	}
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
		// Trial.Loss computes a loss without training: every epoch a
		// result counts must have been trained on a device.
		for e := 1; e <= tr.Epochs; e++ {
			if !trained[fmt.Sprintf("%s epoch %d", t.Name, e)] {
				return fmt.Sprintf("%s: reports %d epochs, but epoch %d was never trained to completion on a device", t.Name, tr.Epochs, e)
			}
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

// checkSlotLimit runs the property world and then the stop world, where a
// trial is certainly mid-epoch when its peers' reports condemn it: what a
// search does with a condemned trial's device (release it while its epoch
// runs, hand it on) shows there in every run, not only when the property
// world's schedule happens to condemn a trial that is training.
func checkSlotLimit(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	r := w.run(ctx, impl)
	p := w.pool
	o := suite.Outcome{Timeline: w.rec.Spans()}
	o.Observed = fmt.Sprintf("at most %d of %d accelerators held at once; %d misuses (an epoch on a device already running one or already released, a double release, a release mid-epoch)",
		p.MaxInUse(), p.Size(), p.Misuses())
	o.Where = w.misuses(impl)
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the search failed: %v", r.err)
	}
	sw, _ := newStopWorld()
	sr := sw.run(ctx, impl)
	sp := sw.pool
	o.Observed += fmt.Sprintf("; with a trial condemned mid-epoch: at most %d of %d held, %d misuses", sp.MaxInUse(), sp.Size(), sp.Misuses())
	// Only the devices count here: a search that cannot finish the stop
	// world (one that trains one trial at a time) fails stop-by-cancellation
	// for it, not this property.
	if sr.err != nil {
		o.Observed += fmt.Sprintf(" (that search ended with: %v)", sr.err)
	}
	o.Where = append(o.Where, sw.misuses(impl)...)
	o.Pass = p.MaxInUse() <= p.Size() && p.Misuses() == 0 && r.err == nil &&
		sp.MaxInUse() <= sp.Size() && sp.Misuses() == 0
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

// The stop world: four trials on four devices. trial-slow is the worst of
// them and its third epoch is long; its peers' second epochs end only once
// trial-slow's third epoch has begun. So whatever the schedule, when the
// last of the peers reports epoch 2 and the rule condemns trial-slow, it is
// in the middle of its third epoch: a search that stops trials by
// cancelling them interrupts it; one that looks only at epoch boundaries
// runs it to its end.
const (
	stopSlowEpoch = 2 * time.Second
	stopEpoch     = 2 * time.Millisecond
	stopGateLimit = time.Second // the peers' wait when trial-slow is not training
)

func newStopWorld() (world, int) {
	rec := simworld.NewRecorder()
	mk := func(name string, lr, dropout float64) Trial {
		return Trial{Name: name, LearningRate: lr, BatchSize: 64, Dropout: dropout, EpochTime: stopEpoch}
	}
	trials := []Trial{
		mk("trial-a", 3e-4, 0.2),
		mk("trial-slow", 1e-2, 0.45),
		mk("trial-b", 2e-4, 0.25),
		mk("trial-c", 5e-4, 0.1),
	}
	const slow = 1
	w := world{rec: rec, pool: NewPool(rec, 4), trials: trials, cfg: Config{MaxEpochs: 4, Stop: StopRule{Grace: 2, MinPeers: 3}}}
	slowTraining := make(chan struct{})
	var once sync.Once
	w.pool.hooks = hooks{
		duration: func(t Trial, epoch int) (time.Duration, bool) {
			return stopSlowEpoch, t.Name == trials[slow].Name && epoch == 3
		},
		started: func(t Trial, epoch int) {
			if t.Name == trials[slow].Name && epoch == 3 {
				once.Do(func() { close(slowTraining) })
			}
		},
		gate: func(ctx context.Context, t Trial, epoch int) {
			if t.Name == trials[slow].Name || epoch != 2 {
				return
			}
			limit := time.NewTimer(stopGateLimit)
			defer limit.Stop()
			select {
			case <-slowTraining:
			case <-limit.C:
			case <-ctx.Done():
			}
		},
	}
	return w, slow
}

// peersBefore counts the trials other than name whose second epoch ended
// before t.
func peersBefore(spans []simworld.Span, name string, t time.Duration) int {
	n := 0
	for _, s := range spans {
		if strings.HasSuffix(s.Label, " epoch 2") && !strings.HasPrefix(s.Label, name+" ") && s.Err == "" && s.End <= t {
			n++
		}
	}
	return n
}

func checkStopByCancellation(ctx context.Context, impl Impl) suite.Outcome {
	w, slow := newStopWorld()
	r := w.run(ctx, impl)
	spans := w.rec.Spans()
	o := suite.Outcome{Timeline: spans}
	if r.err != nil {
		o.Observed = fmt.Sprintf("the search failed: %v", r.err)
		return o
	}
	if bad := w.wrong(r.res); bad != "" {
		o.Observed = bad
		return o
	}
	name := w.trials[slow].Name
	label := name + " epoch 3"
	var third *simworld.Span
	for i := range spans {
		if spans[i].Label == label {
			third = &spans[i]
		}
	}
	res := r.res.Trials[slow]
	switch {
	case third == nil:
		o.Observed = fmt.Sprintf("%s never started its third epoch (it ran %d epochs, stopped %v): the search must report each epoch before it starts the next and train the 4 trials on the 4 devices side by side",
			name, res.Epochs, res.Stopped)
	case third.Err == "" && peersBefore(spans, name, third.End) >= w.cfg.Stop.MinPeers:
		o.Observed = fmt.Sprintf("%s was condemned by its peers' reports of epoch 2 while its third epoch ran, but that epoch ran to its end (%v): the stop must cancel the trial's context so the epoch ends at once and the device is freed",
			name, (third.End - third.Start).Round(time.Millisecond))
	case third.Err == "":
		o.Observed = fmt.Sprintf("%s's third epoch ran to its end (%v) before %d peers had finished epoch 2: the 4 trials must train side by side on the 4 devices, so that one trial's report can stop another mid-epoch",
			name, (third.End - third.Start).Round(time.Millisecond), w.cfg.Stop.MinPeers)
	case !res.Stopped || res.Epochs != 2:
		o.Observed = fmt.Sprintf("%s's third epoch was interrupted (%s), but its result says %d epochs, stopped %v; want 2 epochs, stopped",
			name, third.Err, res.Epochs, res.Stopped)
	default:
		o.Pass = true
		o.Observed = fmt.Sprintf("%s was stopped mid-epoch by its peers' reports: its third epoch held the device %v instead of %v",
			name, (third.End - third.Start).Round(100*time.Microsecond), stopSlowEpoch)
	}
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
	o.Where = append(w.misuses(impl), r.leftBehind(impl)...)
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

// cancelProblems lists what is wrong with a search cancelled at cancelAt,
// and where impl did it.
func (w world) cancelProblems(impl Impl, r runResult, cancelAt time.Duration) (problems []string, where []suite.Location) {
	if !errors.Is(r.err, context.Canceled) {
		problems = append(problems, fmt.Sprintf("returned %s, want an error wrapping context.Canceled", errOrNil(r.err)))
	}
	if later, margin := w.rec.StartedAfter(cancelAt), w.pool.Size(); later > margin {
		problems = append(problems, fmt.Sprintf("%d epochs started after the cancel (allowed: %d already starting)", later, margin))
		where = w.epochsAfter(impl, cancelAt, "ctx was cancelled")
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d epochs still running when it returned", r.inFlight))
	}
	if r.inUse > 0 {
		problems = append(problems, fmt.Sprintf("%d accelerators still held when it returned", r.inUse))
	}
	return problems, append(where, r.leftBehind(impl)...)
}

func checkCancellation(ctx context.Context, impl Impl) suite.Outcome {
	// Early: ctx cancelled once 6 epochs started, with most trials queued.
	w := newPropertyWorld()
	r, cancelAt, took, why := w.runCancelled(ctx, impl, 6, 2*time.Second)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	if why != "" {
		o.Observed = "cancelled early: " + why
		return o
	}
	if problems, where := w.cancelProblems(impl, r, cancelAt); len(problems) > 0 {
		o.Observed = "cancelled while most trials were queued: " + strings.Join(problems, "; ")
		o.Where = where
		return o
	}
	early := fmt.Sprintf("cancelled early: returned %q %v after the cancel", r.err, took.Round(10*time.Microsecond))

	// Late: ctx cancelled as the last trial's second epoch starts, when
	// every trial has been handed out and only running ones can notice.
	late := newPropertyWorld()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	last := late.trials[len(late.trials)-1].Name
	var lateAt atomic.Int64
	late.pool.hooks.started = func(t Trial, epoch int) {
		if t.Name == last && epoch == 2 {
			lateAt.Store(int64(late.rec.Now()))
			cancel()
		}
	}
	r = late.run(runCtx, impl)
	o.Timeline = late.rec.Spans()
	at := time.Duration(lateAt.Load())
	if at == 0 {
		o.Observed = fmt.Sprintf("%s; %s never started its second epoch (the search returned %s)", early, last, errOrNil(r.err))
		return o
	}
	if problems, where := late.cancelProblems(impl, r, at); len(problems) > 0 {
		o.Observed = fmt.Sprintf("%s; cancelled as %s (the last trial) trained: %s", early, last, strings.Join(problems, "; "))
		o.Where = where
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("%s; cancelled as the last trial trained: returned %q %v after the cancel; no epoch running, no device held",
		early, r.err, (late.rec.Now() - at).Round(10*time.Microsecond))
	return o
}

func checkDeviceFailure(ctx context.Context, impl Impl) suite.Outcome {
	w := newPropertyWorld()
	w.pool.failFrom(1, 3) // gpu1 dies during its third epoch
	r := w.run(ctx, impl)
	p := w.pool
	o := suite.Outcome{Timeline: w.rec.Spans()}
	failedAt := time.Duration(-1)
	for _, s := range o.Timeline {
		if strings.Contains(s.Err, ErrDeviceFailed.Error()) && (failedAt < 0 || s.End < failedAt) {
			failedAt = s.End
		}
	}
	if failedAt < 0 {
		o.Observed = fmt.Sprintf("gpu1 was never used for a third epoch (the search returned %v)", r.err)
		return o
	}
	later := w.rec.StartedAfter(failedAt)
	margin := p.Size()
	var problems []string
	if !errors.Is(r.err, ErrDeviceFailed) {
		problems = append(problems, fmt.Sprintf("returned %v, want an error wrapping ErrDeviceFailed", errOrNil(r.err)))
	}
	if later > margin {
		problems = append(problems, fmt.Sprintf("%d epochs started after gpu1 failed (allowed: %d already starting)", later, margin))
		o.Where = w.epochsAfter(impl, failedAt, "gpu1 failed")
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d epochs still running when it returned", r.inFlight))
	}
	if r.inUse > 0 || p.Misuses() > 0 {
		problems = append(problems, fmt.Sprintf("%d accelerators still held when it returned, %d misuses", r.inUse, p.Misuses()))
	}
	if len(problems) > 0 {
		o.Observed = "gpu1 failed mid-epoch; " + strings.Join(problems, "; ")
		o.Where = append(o.Where, append(r.leftBehind(impl), w.misuses(impl)...)...)
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("gpu1 failed mid-epoch: the search returned %q; %d epochs started after the failure (margin %d); no epoch running, no device held", r.err, later, margin)
	return o
}

func errOrNil(err error) string {
	if err == nil {
		return "a result and no error"
	}
	return fmt.Sprintf("%q", err)
}

func checkCancelledOnEntry(ctx context.Context, impl Impl) suite.Outcome {
	before := goleak.IgnoreCurrent()
	w := newPropertyWorld()
	runCtx, cancel := context.WithCancel(ctx)
	cancel()
	r, ok := w.runWithin(ctx, runCtx, impl)
	p := w.pool
	o := suite.Outcome{Timeline: w.rec.Spans()}
	if !ok {
		o.Observed = fmt.Sprintf("ctx was cancelled before the call, and the search was still running %v later", runBound)
		return o
	}
	var problems []string
	if !errors.Is(r.err, context.Canceled) {
		problems = append(problems, fmt.Sprintf("returned %s, want an error wrapping context.Canceled", errOrNil(r.err)))
	}
	if n := p.Runs(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d epochs started", n))
		o.Where = w.epochsAfter(impl, -1, "although ctx was cancelled before the call")
	}
	if p.Acquired() > 0 || r.inUse > 0 {
		problems = append(problems, fmt.Sprintf("%d accelerators acquired, %d still held at return", p.Acquired(), r.inUse))
		o.Where = append(o.Where, code(impl).Calls(p.held.Calls(), func(c simworld.Call) string {
			return fmt.Sprintf("%s acquired although ctx was cancelled before the call", c.Resource)
		})...)
	}
	if err := goleak.Find(before); err != nil {
		problems = append(problems, fmt.Sprintf("goroutines still running after it returned: %v", err))
		o.Where = append(o.Where, code(impl).Leaked(err)...)
	}
	if len(problems) > 0 {
		o.Observed = "ctx was cancelled before the call; " + strings.Join(problems, "; ")
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("ctx was cancelled before the call: returned %q, no device acquired, no epoch started, no goroutine left", r.err)
	return o
}

// newBoundaryWorld is one device and three trials, whose ctx is cancelled
// the moment trial-00's epoch `at` completes: between two epochs, when no
// epoch is running anywhere to be interrupted.
func newBoundaryWorld(at int, cancel context.CancelFunc) (world, *atomic.Int64) {
	w := newWorld(1, 3, time.Millisecond, 0, Config{MaxEpochs: 4, Stop: propertyRule}, 5)
	cancelAt := new(atomic.Int64) // the recorder's time of the cancel; 0 until then
	w.pool.hooks.finished = func(t Trial, epoch int) {
		if t.Name == w.trials[0].Name && epoch == at {
			cancelAt.Store(int64(w.rec.Now()))
			cancel()
		}
	}
	return w, cancelAt
}

func checkCancelledBetweenEpochs(ctx context.Context, impl Impl) suite.Outcome {
	var notes []string
	pass := true
	var timeline []simworld.Span
	var where []suite.Location
	for _, c := range []struct {
		at    int
		where string
	}{
		{2, "between trial-00's epochs 2 and 3"},
		{4, "after trial-00's last epoch, before the next trial"},
	} {
		runCtx, cancel := context.WithCancel(ctx)
		w, cancelAt := newBoundaryWorld(c.at, cancel)
		r, ok := w.runWithin(ctx, runCtx, impl)
		cancel()
		timeline = w.rec.Spans()
		var problems []string
		at := time.Duration(cancelAt.Load())
		if !ok {
			problems = append(problems, fmt.Sprintf("still running %v after the call (a correct search returns within milliseconds of the cancel): something waits without watching ctx", runBound))
		} else if at == 0 {
			problems = append(problems, "trial-00 never completed that epoch")
		} else {
			if !errors.Is(r.err, context.Canceled) {
				problems = append(problems, fmt.Sprintf("returned %s, want an error wrapping context.Canceled", errOrNil(r.err)))
			}
			if n := w.rec.StartedAfter(at); n > 0 {
				problems = append(problems, fmt.Sprintf("%d epochs started after the cancel", n))
				where = append(where, w.epochsAfter(impl, at, "ctx was cancelled")...)
			}
			if r.inFlight > 0 || r.inUse > 0 {
				problems = append(problems, fmt.Sprintf("%d epochs running and %d devices held at return", r.inFlight, r.inUse))
				where = append(where, r.leftBehind(impl)...)
			}
		}
		if len(problems) > 0 {
			pass = false
			notes = append(notes, fmt.Sprintf("cancelled %s: %s", c.where, strings.Join(problems, "; ")))
			if !ok {
				break // the property's time is spent
			}
		} else {
			notes = append(notes, fmt.Sprintf("cancelled %s: returned %q", c.where, r.err))
		}
	}
	return suite.Outcome{Pass: pass, Observed: strings.Join(notes, "; "), Timeline: timeline, Where: where}
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
			o.Where = code(impl).Leaked(err)
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
