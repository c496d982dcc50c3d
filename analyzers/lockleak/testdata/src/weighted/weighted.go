// Package weighted bounds work with semaphore.Weighted and has no channel
// of its own.
package weighted

import (
	"context"
	"errors"

	"golang.org/x/sync/semaphore"
)

type batcher struct{ mem *semaphore.Weighted }

func load(n int64) error {
	if n > 1<<30 {
		return errors.New("too large")
	}
	return nil
}

// Load reserves memory for a batch; a failed load keeps the reservation.
func (b *batcher) Load(ctx context.Context, n int64) error {
	if err := b.mem.Acquire(ctx, n); err != nil {
		return err
	}
	if err := load(n); err != nil {
		return err // want `this return keeps the weight acquired from b.mem at line 23, though other paths Release it`
	}
	b.mem.Release(n)
	return nil
}

// LoadDeferred releases on every path.
func (b *batcher) LoadDeferred(ctx context.Context, n int64) error {
	if err := b.mem.Acquire(ctx, n); err != nil {
		return err
	}
	defer b.mem.Release(n)
	return load(n)
}
