// Package rate is a stand-in for golang.org/x/time/rate with the part of its
// API the tests use.
package rate

import (
	"context"
	"time"
)

// Limit is a rate in events per second.
type Limit float64

// Limiter lets events happen at rate r with bursts of b.
type Limiter struct {
	every time.Duration
	next  time.Time
}

// NewLimiter returns a limiter of rate r and burst b.
func NewLimiter(r Limit, b int) *Limiter {
	return &Limiter{every: time.Duration(float64(time.Second) / float64(r))}
}

// Wait blocks until the next event may happen or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	d := time.Until(l.next)
	l.next = time.Now().Add(d + l.every)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
