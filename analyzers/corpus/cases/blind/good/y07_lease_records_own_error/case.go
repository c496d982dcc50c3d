// Keeps a training-slot lease alive in the background; the loop records its own error for Err.
package c

import (
	"context"
	"errors"
	"sync"
	"time"
)

type Lease struct {
	mu  sync.Mutex
	err error
}

func (l *Lease) keepAlive(ctx context.Context) (err error) {
	defer func() {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
	}()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if time.Now().IsZero() {
				return errors.New("lease lost")
			}
		}
	}
}

func (l *Lease) Start(ctx context.Context) { go l.keepAlive(ctx) }

func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
