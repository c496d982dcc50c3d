// Package coordinator aggregates gradients from training workers.
package coordinator

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// Grad is a gradient.
type Grad []float32

// Aggregator sums gradients.
type Aggregator struct {
	mu  sync.Mutex
	sum Grad
	sem *semaphore.Weighted
}

func (a *Aggregator) add(g Grad) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range g {
		a.sum[i] += g[i]
	}
}

// Round waits for the workers while holding the lock they need.
func (a *Aggregator) Round(grads []Grad) Grad {
	var wg sync.WaitGroup
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range grads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.add(g)
		}()
	}
	wg.Wait() // want `a.mu is held while waiting in wg.Wait: every goroutine that needs a.mu waits too; if the awaited work needs the lock, it deadlocks`
	return a.sum
}

// RoundGroup does the same with an errgroup.
func (a *Aggregator) RoundGroup(ctx context.Context, grads []Grad) error {
	g, _ := errgroup.WithContext(ctx)
	a.mu.Lock()
	for _, gr := range grads {
		g.Go(func() error {
			a.add(gr)
			return nil
		})
	}
	err := g.Wait() // want `a.mu is held while waiting in g.Wait`
	a.mu.Unlock()
	return err
}

// Admit acquires a semaphore slot under the lock.
func (a *Aggregator) Admit(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sem.Acquire(ctx, 1) // want `a.mu is held while waiting in a.sem.Acquire`
}

// RoundRight waits first, then locks.
func (a *Aggregator) RoundRight(grads []Grad) Grad {
	var wg sync.WaitGroup
	for _, g := range grads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.add(g)
		}()
	}
	wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(Grad, len(a.sum))
	copy(out, a.sum)
	return out
}
