// Package semaphore is a stand-in for golang.org/x/sync/semaphore with the
// same API, so that the analyzer's tests need no network.
package semaphore

import "context"

// Weighted is a weighted semaphore.
type Weighted struct{ tokens chan struct{} }

// NewWeighted returns a semaphore of weight n.
func NewWeighted(n int64) *Weighted { return &Weighted{tokens: make(chan struct{}, n)} }

// Acquire takes n tokens, blocking until they are free or ctx is done.
func (s *Weighted) Acquire(ctx context.Context, n int64) error {
	for i := int64(0); i < n; i++ {
		select {
		case s.tokens <- struct{}{}:
		case <-ctx.Done():
			s.Release(i)
			return ctx.Err()
		}
	}
	return nil
}

// TryAcquire takes n tokens if they are all free.
func (s *Weighted) TryAcquire(n int64) bool {
	if int64(cap(s.tokens)-len(s.tokens)) < n {
		return false
	}
	for i := int64(0); i < n; i++ {
		s.tokens <- struct{}{}
	}
	return true
}

// Release returns n tokens.
func (s *Weighted) Release(n int64) {
	for i := int64(0); i < n; i++ {
		<-s.tokens
	}
}
