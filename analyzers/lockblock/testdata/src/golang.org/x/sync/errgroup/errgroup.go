// Package errgroup mirrors the API of golang.org/x/sync/errgroup that the
// testdata uses.
package errgroup

import (
	"context"
	"sync"
)

// A Group is a collection of goroutines working on subtasks.
type Group struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

// WithContext returns a new Group and a derived Context.
func WithContext(ctx context.Context) (*Group, context.Context) { return &Group{}, ctx }

// Go calls f in a new goroutine.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	}()
}

// Wait blocks until all calls from Go have returned, then returns the first
// error.
func (g *Group) Wait() error {
	g.wg.Wait()
	return g.err
}
