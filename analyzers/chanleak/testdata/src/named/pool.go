package named

import (
	"context"
	"errors"
	"sync"
)

type score struct {
	model string
	auc   float64
	err   error
}

func evaluate(model string) score {
	if model == "" {
		return score{err: errors.New("no model")}
	}
	return score{model: model, auc: 0.5}
}

func models(names []string) <-chan string {
	in := make(chan string)
	go func() {
		defer close(in)
		for _, n := range names {
			in <- n
		}
	}()
	return in
}

// evalWorker scores models until in is closed; its send has no way out.
func evalWorker(in <-chan string, out chan<- score, wg *sync.WaitGroup) {
	defer wg.Done()
	for m := range in {
		out <- evaluate(m) // want `goroutines evalWorker started in a loop block forever on send on out when BestOf returns at line 55: it stops receiving before the channel is closed`
	}
}

// BestOf returns on the first failed evaluation: the workers still sending
// (and the feeder behind them) block for ever.
func BestOf(names []string, workers int) (string, error) {
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	best := score{}
	for s := range out {
		if s.err != nil {
			return "", s.err
		}
		if s.auc > best.auc {
			best = s
		}
	}
	return best.model, nil
}

// AllScores keeps the first error but receives until the channel is closed.
func AllScores(names []string, workers int) ([]score, error) {
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	var all []score
	var first error
	for s := range out {
		if s.err != nil && first == nil {
			first = s.err
		}
		all = append(all, s)
	}
	return all, first
}

// DrainOnError leaves the loop early, then drains what is left.
func DrainOnError(names []string, workers int) error {
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	var err error
	for s := range out {
		if s.err != nil {
			err = s.err
			break
		}
	}
	for range out {
	}
	return err
}

// DeferredDrain drains in a deferred closure, whatever the return.
func DeferredDrain(names []string, workers int) error {
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	defer func() {
		for range out {
		}
	}()
	for s := range out {
		if s.err != nil {
			return s.err
		}
	}
	return nil
}

// BufferedForAll gives every model a slot: the workers never block.
func BufferedForAll(names []string, workers int) error {
	in := models(names)
	out := make(chan score, len(names))
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	for s := range out {
		if s.err != nil {
			return s.err
		}
	}
	return nil
}

func ctxEvalWorker(ctx context.Context, in <-chan string, out chan<- score, wg *sync.WaitGroup) {
	defer wg.Done()
	for m := range in {
		select {
		case out <- evaluate(m):
		case <-ctx.Done():
			return
		}
	}
}

// Cancelled returns early, but its workers give up when it cancels.
func Cancelled(ctx context.Context, names []string, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go ctxEvalWorker(ctx, in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	for s := range out {
		if s.err != nil {
			return s.err
		}
	}
	return nil
}

func sumAUC(out <-chan score) float64 {
	t := 0.0
	for s := range out {
		t += s.auc
	}
	return t
}

// Handed gives the results to a function: whether it drains is its business.
func Handed(names []string, workers int) float64 {
	in := models(names)
	out := make(chan score)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go evalWorker(in, out, &wg)
	}
	go func() { wg.Wait(); close(out) }()
	return sumAUC(out)
}

func stream(names []string, out chan<- score) {
	defer close(out)
	for _, n := range names {
		out <- evaluate(n) // want `goroutine stream blocks forever on send on out when FirstFailure returns at line 212: it stops receiving before the channel is closed`
	}
}

// FirstFailure stops at the first failure while stream still sends.
func FirstFailure(names []string) string {
	out := make(chan score)
	go stream(names, out)
	for s := range out {
		if s.err != nil {
			return s.model
		}
	}
	return ""
}

// EveryFailure reads the stream to its end.
func EveryFailure(names []string) []string {
	out := make(chan score)
	go stream(names, out)
	var failed []string
	for s := range out {
		if s.err != nil {
			failed = append(failed, s.model)
		}
	}
	return failed
}
