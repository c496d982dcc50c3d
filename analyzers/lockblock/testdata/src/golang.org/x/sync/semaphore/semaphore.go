// Package semaphore mirrors the API of golang.org/x/sync/semaphore that the
// testdata uses.
package semaphore

import "context"

// Weighted is a weighted semaphore.
type Weighted struct{ c chan struct{} }

// NewWeighted returns a semaphore of the given weight.
func NewWeighted(n int64) *Weighted { return &Weighted{c: make(chan struct{}, n)} }

// Acquire acquires a unit of the semaphore, blocking until it is available.
func (s *Weighted) Acquire(ctx context.Context, n int64) error {
	select {
	case s.c <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release releases a unit.
func (s *Weighted) Release(n int64) { <-s.c }
