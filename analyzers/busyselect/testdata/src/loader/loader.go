// Package loader has data-loader workers that spin on a select with an
// empty default; each fix deletes the default.
package loader

import (
	"context"
	"runtime"
)

type Shard struct{ Path string }

type Loader struct {
	shards  chan Shard
	batches chan []float32
	loaded  int
}

func (l *Loader) load(Shard) { l.loaded++ }

// Worker polls for shards and burns a core while the queue is empty.
func (l *Loader) Worker(ctx context.Context) {
	for {
		select {
		case shard := <-l.shards:
			l.load(shard)
		case <-ctx.Done():
			return
		default: // want `loop spins on a select with an empty default, burning a core while no case is ready: remove the default so the select blocks`
		}
	}
}

// Continue uses continue in its default: the same spin.
func (l *Loader) Continue(ctx context.Context) {
	for {
		select {
		case b := <-l.batches:
			_ = b
		default: // want `loop spins on a select with a default that only continues`
			continue
		case <-ctx.Done():
			return
		}
	}
}

// Yield only yields the processor: still a spin.
func (l *Loader) Yield(ctx context.Context) {
poll:
	for {
		select {
		case shard := <-l.shards:
			l.load(shard)
		case <-ctx.Done():
			break poll
		default: // nothing ready yet // want `loop spins on a select with a default that only calls runtime.Gosched`
			runtime.Gosched()
			continue poll
		}
	}
}

// Commented has a comment in its empty default.
func (l *Loader) Commented(ctx context.Context) {
	for {
		select {
		case shard := <-l.shards:
			l.load(shard)
		case <-ctx.Done():
			return
		default: // want `loop spins on a select with an empty default`
			// wait for the next shard
		}
	}
}
