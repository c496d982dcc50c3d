// Package errgroup is a test stand-in with the API of golang.org/x/sync/errgroup.
package errgroup

import (
	"context"
	"sync"
)

// Group runs tasks and keeps the first error.
type Group struct {
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

// WithContext returns a Group and a context cancelled on the first error.
func WithContext(ctx context.Context) (*Group, context.Context) {
	return &Group{}, ctx
}

// Go runs f in a goroutine.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	}()
}

// Wait waits for every task and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	return g.err
}
