// Package inference calls models with timeouts through result channels.
package inference

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"
)

type Input struct{ Text string }

type Prediction struct {
	Label string
	Score float64
}

type Model interface {
	Predict(ctx context.Context, in Input) (Prediction, error)
}

type result struct {
	p   Prediction
	err error
}

var errTimeout = errors.New("model timed out")

// PredictWithTimeout strands the model goroutine when the timeout wins.
func PredictWithTimeout(ctx context.Context, m Model, in Input, d time.Duration) (Prediction, error) {
	res := make(chan result)
	go func() {
		p, err := m.Predict(ctx, in)
		res <- result{p, err} // want `goroutine sends on unbuffered channel res, but the receiver may stop waiting on timeout \(line 40\): the goroutine blocks forever`
	}()
	select {
	case r := <-res:
		return r.p, r.err
	case <-time.After(d):
		return Prediction{}, errTimeout
	}
}

// PredictCtx strands the goroutine when the caller cancels.
func PredictCtx(ctx context.Context, m Model, in Input) (Prediction, error) {
	res := make(chan Prediction, 0)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p // want `goroutine sends on unbuffered channel res, but the receiver may stop waiting on cancellation`
	}()
	select {
	case <-ctx.Done():
		return Prediction{}, ctx.Err()
	case p := <-res:
		return p, nil
	}
}

// PredictTimer uses a timer, and a parameter passed to the goroutine.
func PredictTimer(ctx context.Context, m Model, in Input, d time.Duration) (Prediction, error) {
	res := make(chan Prediction)
	t := time.NewTimer(d)
	defer t.Stop()
	go func(out chan<- Prediction) {
		p, _ := m.Predict(ctx, in)
		out <- p // want `goroutine sends on unbuffered channel res, but the receiver may stop waiting on timeout`
	}(res)
	select {
	case p := <-res:
		return p, nil
	case <-t.C:
		return Prediction{}, errTimeout
	}
}

// PredictDeadline keeps the timeout channel in a variable.
func PredictDeadline(ctx context.Context, m Model, in Input) Prediction {
	res := make(chan Prediction)
	timeout := time.After(time.Second)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p // want `may stop waiting on timeout`
	}()
	var p Prediction
	select {
	case p = <-res:
	case <-timeout:
		p = Prediction{Label: "unknown"}
	}
	return p
}

// PredictIfReady polls once and gives up.
func PredictIfReady(ctx context.Context, m Model, in Input) (Prediction, bool) {
	res := make(chan Prediction)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p // want `may stop waiting when no value is ready \(default case\)`
	}()
	select {
	case p := <-res:
		return p, true
	default:
		return Prediction{}, false
	}
}

// PredictValidated returns on a validation error after starting the model.
func PredictValidated(ctx context.Context, m Model, in Input) (Prediction, error) {
	res := make(chan result)
	go func() {
		p, err := m.Predict(ctx, in)
		if err != nil {
			res <- result{err: err} // want `goroutine sends on unbuffered channel res, but the function may return first \(line 121\): the goroutine blocks forever`
			return
		}
		res <- result{p: p}
	}()
	if in.Text == "" {
		return Prediction{}, errors.New("empty input")
	}
	r := <-res
	return r.p, r.err
}

// Hedge asks two replicas and keeps the first answer.
func Hedge(ctx context.Context, primary, backup Model, in Input) Prediction {
	res := make(chan Prediction)
	go func() {
		p, _ := primary.Predict(ctx, in)
		res <- p // want `goroutines send on unbuffered channel res, but only one value is received \(line 138\): the remaining senders block forever`
	}()
	go func() {
		p, _ := backup.Predict(ctx, in)
		res <- p
	}()
	return <-res
}

// FirstOf asks every replica and keeps the first answer.
func FirstOf(ctx context.Context, replicas []Model, in Input) Prediction {
	res := make(chan Prediction)
	for _, r := range replicas {
		go func() {
			p, _ := r.Predict(ctx, in)
			res <- p // want `goroutines started in a loop send on unbuffered channel res, but only one value is received`
		}()
	}
	return <-res
}

// Race waits for the faster of two models, each on its own channel: the
// slower one is stranded.
func Race(ctx context.Context, small, large Model, in Input) Prediction {
	fast := make(chan Prediction)
	slow := make(chan Prediction)
	go func() {
		p, _ := small.Predict(ctx, in)
		fast <- p // want `may stop waiting when another case wins`
	}()
	go func() {
		p, _ := large.Predict(ctx, in)
		slow <- p // want `may stop waiting when another case wins`
	}()
	select {
	case p := <-fast:
		return p
	case p := <-slow:
		return p
	}
}

// Retry starts a new attempt after each timeout: the old attempt is stranded.
func Retry(ctx context.Context, m Model, in Input) (Prediction, error) {
	for attempt := 0; attempt < 3; attempt++ {
		res := make(chan Prediction)
		go func() {
			p, _ := m.Predict(ctx, in)
			res <- p // want `may stop waiting on timeout`
		}()
		select {
		case p := <-res:
			return p, nil
		case <-time.After(time.Second):
			continue
		}
	}
	return Prediction{}, errTimeout
}

// --- correct versions and near misses: no diagnostics below ---

// BufferedPredict buffers the result: the goroutine always completes.
func BufferedPredict(ctx context.Context, m Model, in Input, d time.Duration) (Prediction, error) {
	res := make(chan result, 1)
	go func() {
		p, err := m.Predict(ctx, in)
		res <- result{p, err}
	}()
	select {
	case r := <-res:
		return r.p, r.err
	case <-time.After(d):
		return Prediction{}, errTimeout
	}
}

// SelectingSender gives up its send when the caller is gone.
func SelectingSender(ctx context.Context, m Model, in Input) (Prediction, error) {
	res := make(chan Prediction)
	go func() {
		p, _ := m.Predict(ctx, in)
		select {
		case res <- p:
		case <-ctx.Done():
		}
	}()
	select {
	case p := <-res:
		return p, nil
	case <-ctx.Done():
		return Prediction{}, ctx.Err()
	}
}

// ExclusiveChannels sends either the prediction or the error, never both:
// whichever case wins, the goroutine has already been received from.
func ExclusiveChannels(ctx context.Context, m Model, in Input) (Prediction, error) {
	preds := make(chan Prediction)
	errs := make(chan error)
	go func() {
		p, err := m.Predict(ctx, in)
		if err != nil {
			errs <- err
			return
		}
		preds <- p
	}()
	select {
	case p := <-preds:
		return p, nil
	case err := <-errs:
		return Prediction{}, err
	}
}

// ThreeModels fans out over a fixed set of three and receives all three.
func ThreeModels(ctx context.Context, a, b, c Model, in Input) []Prediction {
	res := make(chan Prediction)
	for _, m := range []Model{a, b, c} {
		go func() {
			p, _ := m.Predict(ctx, in)
			res <- p
		}()
	}
	return []Prediction{<-res, <-res, <-res}
}

// Progress logs while waiting and never gives up.
func Progress(ctx context.Context, m Model, in Input, logf func(string)) Prediction {
	res := make(chan Prediction)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case p := <-res:
			return p
		case <-tick.C:
			logf("still waiting for the model")
		}
	}
}

// SlowLog notes the timeout, then still waits for the value.
func SlowLog(ctx context.Context, m Model, in Input, logf func(string)) Prediction {
	res := make(chan Prediction)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p
	}()
	select {
	case p := <-res:
		return p
	case <-time.After(time.Second):
		logf("model is slow")
	}
	return <-res
}

// Helper hands the channel to a function the analysis cannot see into.
func Helper(ctx context.Context, m Model, in Input) (Prediction, error) {
	res := make(chan Prediction)
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p
	}()
	return await(ctx, res)
}

func await(ctx context.Context, res chan Prediction) (Prediction, error) {
	select {
	case p := <-res:
		return p, nil
	case <-ctx.Done():
		return Prediction{}, ctx.Err()
	}
}

// Grouped uses errgroup, whose tasks are not go statements.
func Grouped(ctx context.Context, m Model, ins []Input) ([]Prediction, error) {
	g, ctx := errgroup.WithContext(ctx)
	res := make(chan Prediction, len(ins))
	for _, in := range ins {
		g.Go(func() error {
			p, err := m.Predict(ctx, in)
			res <- p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	close(res)
	var out []Prediction
	for p := range res {
		out = append(out, p)
	}
	return out, nil
}

// WaitFirst receives before the validation return.
func WaitFirst(ctx context.Context, m Model, in Input) (Prediction, error) {
	res := make(chan result)
	go func() {
		p, err := m.Predict(ctx, in)
		res <- result{p, err}
	}()
	r := <-res
	if r.err != nil {
		return Prediction{}, r.err
	}
	return r.p, nil
}

// Watchdog: the stop channel is closed by another goroutine of the function,
// which may depend on the sender, so the analysis stays silent.
func Watchdog(ctx context.Context, m Model, in Input) (Prediction, bool) {
	res := make(chan Prediction)
	stop := make(chan struct{})
	go func() {
		p, _ := m.Predict(ctx, in)
		res <- p
	}()
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	select {
	case p := <-res:
		return p, true
	case <-stop:
		return Prediction{}, false
	}
}
