package hyperparamtuning

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sync/errgroup"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// The mutation suite: each implementation below is a plausible answer with
// one realistic bug, and the test shows the property written for that bug
// catching it.

// feed hands out the indices 0..n-1 on next and closes it.
func feed(ctx context.Context, n int, next chan<- int) error {
	defer close(next)
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// boundaryPool is a correct worker pool that consults a mutex-guarded
// stopper after each epoch. A trial stopped by another's report learns it
// only at the end of its epoch, so stops never interrupt an epoch. With
// stopping false it never stops a trial; with appendResults it collects
// results in completion order; with perTrialSlot it acquires a device per
// trial and forgets to release it when the trial is stopped.
func boundaryPool(stopping, appendResults, perTrialSlot bool) Impl {
	return func(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
		var mu sync.Mutex
		stopper := NewMedianStopper(cfg.Stop)
		stopped := map[int]bool{}
		results := make([]TrialResult, len(trials))
		var done []TrialResult
		g, gctx := errgroup.WithContext(ctx)
		next := make(chan int)
		g.Go(func() error { return feed(gctx, len(trials), next) })
		trainOne := func(acc *Accelerator, i int) (TrialResult, error) {
			tr := trials[i]
			res := TrialResult{Trial: i, Name: tr.Name}
			for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
				loss, err := tr.TrainEpoch(gctx, acc, epoch)
				if err != nil {
					return res, err
				}
				res.Epochs, res.Loss = epoch, loss
				if !stopping {
					continue
				}
				mu.Lock()
				for _, s := range stopper.Report(i, epoch, loss) {
					stopped[s] = true
				}
				stop := stopped[i]
				mu.Unlock()
				if stop {
					res.Stopped = true
					break
				}
			}
			mu.Lock()
			stopper.Finish(i)
			if appendResults {
				done = append(done, res)
			} else {
				results[i] = res
			}
			mu.Unlock()
			return res, nil
		}
		for range pool.Size() {
			g.Go(func() error {
				if perTrialSlot {
					for i := range next {
						acc, err := pool.Acquire(gctx)
						if err != nil {
							return fmt.Errorf("acquire accelerator: %w", err)
						}
						res, err := trainOne(acc, i)
						if err != nil {
							acc.Release()
							return err
						}
						if !res.Stopped { // the leak: a stopped trial keeps its device
							acc.Release()
						}
					}
					return nil
				}
				acc, err := pool.Acquire(gctx)
				if err != nil {
					return fmt.Errorf("acquire accelerator: %w", err)
				}
				defer acc.Release()
				for i := range next {
					if _, err := trainOne(acc, i); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return Result{}, err
		}
		if appendResults {
			results = done
		}
		return Summarize(results, cfg.MaxEpochs), nil
	}
}

// ignoresCtx is the solution with the caller's context swapped for one
// that is never cancelled.
func ignoresCtx(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	res, err := solution(context.WithoutCancel(ctx), pool, trials, cfg)
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// progressWatcher starts a goroutine that lives as long as the caller's
// context, not as long as the search.
func progressWatcher(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	go func() {
		<-ctx.Done()
	}()
	return solution(ctx, pool, trials, cfg)
}

// cancelPool is a mutex-guarded worker pool that stops trials by cancelling
// them, with one bug chosen by its fields. It is the mutation suite's
// skeleton: each field is a realistic mistake.
type cancelPool struct {
	// shareDevices acquires half the devices and runs two workers on each.
	shareDevices bool
	// releaseOnStop has the reporter release a condemned trial's device at
	// once, while that trial's epoch is still running on it.
	releaseOnStop bool
	// anyErrorStops treats every failed epoch as a stop: a failed device
	// looks like a trial the rule stopped.
	anyErrorStops bool
	// canceledStops treats a context.Canceled epoch as a stop without asking
	// whose context ended: a cancelled search returns partial results.
	canceledStops bool
	// quietFeeder checks ctx before handing out each trial and just stops
	// when it is done, so the search returns what it has and no error.
	quietFeeder bool
}

func (m cancelPool) impl(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	var mu sync.Mutex
	stopper := NewMedianStopper(cfg.Stop)
	type running struct {
		cancel context.CancelFunc
		acc    *Accelerator
	}
	active := map[int]running{}
	stopped := map[int]bool{}
	results := make([]TrialResult, len(trials))
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan int)
	g.Go(func() error {
		if !m.quietFeeder {
			return feed(gctx, len(trials), next)
		}
		defer close(next)
		for i := range trials {
			if gctx.Err() != nil {
				return nil // the bug: stops handing out trials, says nothing
			}
			next <- i
		}
		return nil
	})
	trainOne := func(acc *Accelerator, i int) error {
		t := trials[i]
		tctx, cancel := context.WithCancel(gctx)
		defer cancel()
		mu.Lock()
		active[i] = running{cancel, acc}
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(active, i)
			stopper.Finish(i)
			mu.Unlock()
		}()
		res := TrialResult{Trial: i, Name: t.Name}
		for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
			loss, err := t.TrainEpoch(tctx, acc, epoch)
			if err != nil {
				mu.Lock()
				byRule := stopped[i]
				mu.Unlock()
				switch {
				case m.anyErrorStops, m.canceledStops && errors.Is(err, context.Canceled):
					res.Stopped = true
				case byRule && gctx.Err() == nil:
					res.Stopped = true
				default:
					return err
				}
				break
			}
			res.Epochs, res.Loss = epoch, loss
			mu.Lock()
			for _, s := range stopper.Report(i, epoch, loss) {
				stopped[s] = true
				if r, ok := active[s]; ok {
					r.cancel()
					if m.releaseOnStop && s != i {
						r.acc.Release() // the bug: its epoch is still running on it
					}
				}
			}
			self := stopped[i]
			mu.Unlock()
			if self {
				res.Stopped = true
				break
			}
		}
		results[i] = res
		return nil
	}
	workers, perDevice := pool.Size(), 1
	if m.shareDevices {
		workers, perDevice = pool.Size()/2, 2
	}
	for range workers {
		g.Go(func() error {
			if m.quietFeeder { // a device per trial, taken when the trial arrives
				for i := range next {
					acc, err := pool.Acquire(gctx)
					if err != nil {
						return err
					}
					err = trainOne(acc, i)
					acc.Release()
					if err != nil {
						return err
					}
				}
				return nil
			}
			acc, err := pool.Acquire(gctx)
			if err != nil {
				return fmt.Errorf("acquire accelerator: %w", err)
			}
			defer acc.Release()
			share, _ := errgroup.WithContext(gctx)
			for range perDevice {
				share.Go(func() error {
					for i := range next {
						if err := trainOne(acc, i); err != nil {
							return err
						}
					}
					return nil
				})
			}
			return share.Wait()
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

// verdictHang waits for the coordinator's verdict after each epoch, and
// the coordinator quits as soon as ctx is done, without answering: a
// worker that reported just before the cancel waits for its verdict
// forever.
func verdictHang(release <-chan struct{}) Impl {
	return func(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
		return verdictHangImpl(ctx, pool, trials, cfg, release)
	}
}

func verdictHangImpl(ctx context.Context, pool *Pool, trials []Trial, cfg Config, release <-chan struct{}) (Result, error) {
	type report struct {
		trial, epoch int
		loss         float64
		verdict      chan bool
	}
	reports := make(chan report)
	coordinated := make(chan struct{})
	go func() {
		defer close(coordinated)
		stopper := NewMedianStopper(cfg.Stop)
		for ctx.Err() == nil { // the bug: leaves while a worker may be waiting
			select {
			case r, ok := <-reports:
				if !ok {
					return
				}
				stop := stopper.Report(r.trial, r.epoch, r.loss)
				r.verdict <- len(stop) > 0 && stop[0] == r.trial
			case <-ctx.Done():
			}
		}
	}()
	results := make([]TrialResult, len(trials))
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan int)
	g.Go(func() error { return feed(gctx, len(trials), next) })
	for range pool.Size() {
		g.Go(func() error {
			acc, err := pool.Acquire(gctx)
			if err != nil {
				return err
			}
			defer acc.Release()
			for i := range next {
				t := trials[i]
				res := TrialResult{Trial: i, Name: t.Name}
				for epoch := 1; epoch <= cfg.MaxEpochs; epoch++ {
					loss, err := t.TrainEpoch(gctx, acc, epoch)
					if err != nil {
						return err
					}
					res.Epochs, res.Loss = epoch, loss
					verdict := make(chan bool, 1)
					select {
					case reports <- report{i, epoch, loss, verdict}:
					case <-release: // only the test's cleanup gets here
						return errors.New("released")
					}
					var stop bool
					select {
					case stop = <-verdict:
					case <-release:
						return errors.New("released")
					}
					if stop {
						res.Stopped = true
						break
					}
				}
				results[i] = res
			}
			return nil
		})
	}
	err := g.Wait()
	close(reports)
	<-coordinated
	if err != nil {
		return Result{}, err
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

func TestMutantsAreCaught(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // lets the hung mutant's goroutines go, for goleak
	for _, m := range hyperMutants(release) {
		t.Run(m.name, func(t *testing.T) {
			r := suitetest.CheckOne(t, Suite(), m.property, m.impl)
			assert.False(t, r.Pass, "%s should fail %s", m.name, m.property)
		})
	}
}

type mutant struct {
	name     string
	property string
	impl     Impl
}

func hyperMutants(release <-chan struct{}) []mutant {
	return []mutant{
		{"no early stopping", "early-stopping", boundaryPool(false, false, false)},
		{"stops only at epoch boundaries", "stop-by-cancellation", boundaryPool(true, false, false)},
		{"results in completion order", "best-trial", boundaryPool(true, true, false)},
		{"stopped trial keeps its device", "slots-released", boundaryPool(true, false, true)},
		{"caller's context ignored", "cancellation", ignoresCtx},
		{"goroutine outlives the search", "no-leaked-goroutines", progressWatcher},
		{"two trials share a device", "slot-limit", cancelPool{shareDevices: true}.impl},
		{"condemned trial's device released mid-epoch", "slot-limit", cancelPool{releaseOnStop: true}.impl},
		{"failed device taken for a stop", "device-failure", cancelPool{anyErrorStops: true}.impl},
		{"cancelled search taken for stopped trials", "cancellation", cancelPool{canceledStops: true}.impl},
		{"feeder stops quietly on cancel", "cancelled-on-entry", cancelPool{quietFeeder: true}.impl},
		{"coordinator leaves a worker waiting for its verdict", "cancelled-between-epochs", verdictHang(release)},
	}
}

func TestCancelPoolIsCorrectWithoutItsBugs(t *testing.T) {
	// The mutants' skeleton without a bug passes everything: the bugs, not
	// the skeleton, are what the properties catch.
	suitetest.SolutionPasses(t, Suite(), cancelPool{}.impl)
}

func TestBoundaryPoolIsANearMiss(t *testing.T) {
	// Stopping at epoch boundaries is a correct, concurrent search: it only
	// misses the prompt stop.
	impl := boundaryPool(true, false, false)
	for _, name := range []string{"best-trial", "slot-limit", "pool-busy", "early-stopping", "slots-released", "cancellation", "cancelled-on-entry", "cancelled-between-epochs", "device-failure"} {
		assert.True(t, suitetest.CheckOne(t, Suite(), name, impl).Pass, name)
	}
}
