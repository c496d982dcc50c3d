// Package semaphore mirrors the API of golang.org/x/sync/semaphore that the
// testdata uses.
package semaphore

import "context"

// Weighted is a weighted semaphore.
type Weighted struct{ slots chan struct{} }

// NewWeighted returns a semaphore of the given weight.
func NewWeighted(n int64) *Weighted { return &Weighted{slots: make(chan struct{}, n)} }

// Acquire takes n units, waiting for them or for ctx to be done.
func (s *Weighted) Acquire(ctx context.Context, n int64) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TryAcquire takes n units if they are free.
func (s *Weighted) TryAcquire(n int64) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release gives n units back.
func (s *Weighted) Release(n int64) { <-s.slots }
