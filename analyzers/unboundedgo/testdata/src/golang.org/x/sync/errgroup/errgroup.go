// Package errgroup is a stand-in for golang.org/x/sync/errgroup with the same
// API, so that the analyzer's tests need no network.
package errgroup

import (
	"context"
	"sync"
)

// Group runs goroutines and collects the first error.
type Group struct {
	wg     sync.WaitGroup
	sem    chan struct{}
	once   sync.Once
	err    error
	cancel func(error)
}

// WithContext returns a Group whose context is cancelled on the first error.
func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	return &Group{cancel: cancel}, ctx
}

// Wait waits for every goroutine and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		g.cancel(g.err)
	}
	return g.err
}

// Go runs f in a new goroutine, blocking while the limit is reached.
func (g *Group) Go(f func() error) {
	if g.sem != nil {
		g.sem <- struct{}{}
	}
	g.start(f)
}

// TryGo runs f in a new goroutine unless the limit is reached.
func (g *Group) TryGo(f func() error) bool {
	if g.sem != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			return false
		}
	}
	g.start(f)
	return true
}

func (g *Group) start(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if g.sem != nil {
			defer func() { <-g.sem }()
		}
		if err := f(); err != nil {
			g.once.Do(func() {
				g.err = err
				if g.cancel != nil {
					g.cancel(err)
				}
			})
		}
	}()
}

// SetLimit limits the number of active goroutines to n; negative means none.
func (g *Group) SetLimit(n int) {
	if n < 0 {
		g.sem = nil
		return
	}
	g.sem = make(chan struct{}, n)
}
