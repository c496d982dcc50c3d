package hyperparamtuning

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// event is what a worker tells the coordinator about trial.
type event struct {
	trial int
	// exactly one of the following is set
	stop   context.CancelFunc // the trial started; calling stop ends it early
	report bool               // the trial finished epoch with loss
	done   bool               // the trial ended (completed or stopped)
	epoch  int
	loss   float64
}

// solution trains the trials on a fixed pool of workers, one per device.
//
// Ownership:
//   - the errgroup owns the feeder and the workers: the feeder hands out
//     trial indices on next and closes it; each worker holds one device
//     for its whole life (deferred Release) and trains the trials it
//     receives. The first error cancels gctx, which ends them all.
//   - one coordinator goroutine owns the MedianStopper: workers send it
//     their reports and it cancels the trials the rule stops. Nothing
//     else touches the stopper, so it needs no lock. It exits when events
//     is closed, which happens once every worker (every sender) returned.
//   - results[i] is written only by the worker that trained trial i, and
//     read after g.Wait: no lock and no race.
func solution(ctx context.Context, pool *Pool, trials []Trial, cfg Config) (Result, error) {
	results := make([]TrialResult, len(trials))
	// Unbuffered: the coordinator reads until the channel is closed and does
	// only bookkeeping, so a send waits at most for one event's handling.
	events := make(chan event)
	coordinated := make(chan struct{})
	go func() {
		defer close(coordinated)
		coordinate(events, NewMedianStopper(cfg.Stop))
	}()

	g, gctx := errgroup.WithContext(ctx)
	next := make(chan int)
	g.Go(func() error {
		defer close(next)
		for i := range trials {
			select {
			case next <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	// Exactly pool.Size() workers: the pool never sees more requests than it
	// has devices, and every device stays busy while trials remain.
	for range pool.Size() {
		g.Go(func() error {
			acc, err := pool.Acquire(gctx)
			if err != nil {
				return fmt.Errorf("acquire accelerator: %w", err)
			}
			defer acc.Release()
			for i := range next {
				res, err := train(gctx, acc, i, trials[i], cfg.MaxEpochs, events)
				if err != nil {
					return err
				}
				results[i] = res
			}
			return nil
		})
	}
	err := g.Wait()
	close(events) // every worker has returned: no one sends any more
	<-coordinated
	if err != nil {
		return Result{}, err
	}
	return Summarize(results, cfg.MaxEpochs), nil
}

// train runs one trial on acc until it completes, the coordinator stops it,
// or ctx ends. Only the last is an error.
func train(ctx context.Context, acc *Accelerator, i int, t Trial, maxEpochs int, events chan<- event) (TrialResult, error) {
	// The trial's own context: cancelling it interrupts the epoch in
	// progress, so a stopped trial frees the device at once rather than at
	// the end of its epoch.
	tctx, stop := context.WithCancel(ctx)
	defer stop()
	events <- event{trial: i, stop: stop}
	res := TrialResult{Trial: i, Name: t.Name}
	for epoch := 1; epoch <= maxEpochs; epoch++ {
		loss, err := t.TrainEpoch(tctx, acc, epoch)
		if err != nil {
			if ctx.Err() == nil && tctx.Err() != nil {
				res.Stopped = true // the coordinator stopped this trial
				break
			}
			return TrialResult{}, err // the search was cancelled or the device failed
		}
		res.Epochs, res.Loss = epoch, loss
		// Report and go straight on: the decision arrives, if at all, as a
		// cancellation during the next epoch.
		events <- event{trial: i, report: true, epoch: epoch, loss: loss}
	}
	events <- event{trial: i, done: true}
	return res, nil
}

// coordinate applies the stopping rule to the workers' events until events
// is closed. It is the stopper's only user.
func coordinate(events <-chan event, stopper *MedianStopper) {
	running := map[int]context.CancelFunc{}
	for e := range events {
		switch {
		case e.stop != nil:
			running[e.trial] = e.stop
		case e.report:
			for _, t := range stopper.Report(e.trial, e.epoch, e.loss) {
				if stop, ok := running[t]; ok {
					stop()
				}
			}
		case e.done:
			stopper.Finish(e.trial)
			delete(running, e.trial)
		}
	}
}
