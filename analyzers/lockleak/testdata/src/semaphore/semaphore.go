// Package semaphore has semaphores whose slots are kept by some returns.
package semaphore

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sync/semaphore"
)

type model struct{ name string }

func predict(m *model, x float64) (float64, error) {
	if m == nil {
		return 0, errors.New("no model")
	}
	return x * 2, nil
}

// Throttle lets at most cap(slots) predictions run at once.
type Throttle struct {
	slots chan struct{}
	m     *model
}

func (t *Throttle) Predict(x float64) (float64, error) {
	t.slots <- struct{}{}
	y, err := predict(t.m, x)
	if err != nil {
		return 0, err // want `this return keeps the slot taken from semaphore t.slots at line 28, though other paths give it back \(<-t.slots\): each such return leaks a slot, and once cap\(t.slots\) have leaked every send on t.slots blocks forever`
	}
	<-t.slots
	return y, nil
}

// gpus bounds the jobs on the GPUs, for the whole process.
var gpus = make(chan struct{}, 4)

func Train(steps int) error {
	gpus <- struct{}{}
	for i := 0; i < steps; i++ {
		if i > 1000 {
			return errors.New("diverged") // want `this return keeps the slot taken from semaphore gpus at line 41`
		}
	}
	<-gpus
	return nil
}

// ScoreAll bounds its goroutines with a local semaphore; a failure keeps a slot.
func ScoreAll(m *model, xs []float64) []float64 {
	sem := make(chan struct{}, 8)
	out := make([]float64, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			y, err := predict(m, x)
			if err != nil {
				return // want `this return keeps the slot taken from semaphore sem at line 60`
			}
			out[i] = y
			<-sem
		}()
	}
	wg.Wait()
	return out
}

// Waiting takes a slot or gives up with ctx; a failed prediction keeps it.
func (t *Throttle) Waiting(ctx context.Context, x float64) (float64, error) {
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	y, err := predict(t.m, x)
	if err != nil {
		return 0, err // want `this return keeps the slot taken from semaphore t.slots at line 76`
	}
	<-t.slots
	return y, nil
}

// Pool bounds work with a semaphore.Weighted.
type Pool struct {
	sem *semaphore.Weighted
	m   *model
}

func (p *Pool) Run(ctx context.Context, x float64) (float64, error) {
	if err := p.sem.Acquire(ctx, 1); err != nil {
		return 0, err // nothing was acquired
	}
	y, err := predict(p.m, x)
	if err != nil {
		return 0, err // want `this return keeps the weight acquired from p.sem at line 95, though other paths Release it`
	}
	p.sem.Release(1)
	return y, nil
}
