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

// Sweep takes a slot before starting each trial; a failed trial's goroutine
// returns without giving it back.
func Sweep(m *model, xs []float64) []float64 {
	gpuSlots := make(chan struct{}, 2)
	out := make([]float64, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		gpuSlots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			y, err := predict(m, x)
			if err != nil {
				return // want `this return keeps the slot taken from semaphore gpuSlots at line 113`
			}
			out[i] = y
			<-gpuSlots
		}()
	}
	wg.Wait()
	return out
}

// SweepDeferred gives the slot back in the goroutine whatever happens.
func SweepDeferred(m *model, xs []float64) []float64 {
	gpuSlots := make(chan struct{}, 2)
	out := make([]float64, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		gpuSlots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-gpuSlots }()
			y, err := predict(m, x)
			if err != nil {
				return
			}
			out[i] = y
		}()
	}
	wg.Wait()
	return out
}

// Sessions hands out at most cap(slots) inference sessions; Close gives a
// session's slot back.
type Sessions struct {
	slots chan struct{}
	m     *model
}

func NewSessions(n int, m *model) *Sessions {
	return &Sessions{slots: make(chan struct{}, n), m: m}
}

type Session struct{ s *Sessions }

func (s *Session) Close() { <-s.s.slots }

// Open takes a slot for the caller; when loading fails the caller gets no
// session to Close, and the slot is kept.
func (s *Sessions) Open(ctx context.Context) (*Session, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if _, err := predict(s.m, 0); err != nil {
		return nil, err // want `this return of an error keeps the slot taken from semaphore s.slots at line 170: the caller gets nothing to give back`
	}
	return &Session{s: s}, nil
}

// Leases bounds the GPU leases handed out; its channel is made by the
// caller's configuration, not here.
type Leases struct{ gpus chan struct{} }

func (l *Leases) Release() { <-l.gpus }

func (l *Leases) Acquire(m *model) error {
	l.gpus <- struct{}{}
	if _, err := predict(m, 1); err != nil {
		return err // want `this return of an error keeps the slot taken from semaphore l.gpus at line 187`
	}
	return nil
}
