// Package shards loads training data shards concurrently with errgroup: the
// group's context must reach every goroutine.
package shards

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Shard struct{ Path string }

type Batch struct{ Rows [][]float32 }

func load(ctx context.Context, s Shard) (Batch, error) { return Batch{}, ctx.Err() }

// LoadAll passes the parent ctx: a failed shard does not stop the others.
func LoadAll(ctx context.Context, shards []Shard) ([]Batch, error) {
	out := make([]Batch, len(shards))
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range shards {
		g.Go(func() error {
			b, err := load(ctx, s) // want `goroutine of g uses ctx, not gctx from errgroup\.WithContext \(line 20\): when a sibling fails, this call is not cancelled`
			out[i] = b
			return err
		})
	}
	_ = gctx
	return out, g.Wait()
}

// Prefetch watches the parent's Done: a sibling's failure is not seen.
func Prefetch(ctx context.Context, shards []Shard, ready chan<- Shard) error {
	g, loadCtx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, s := range shards {
		g.Go(func() error {
			if _, err := load(loadCtx, s); err != nil {
				return err
			}
			select {
			case ready <- s:
				return nil
			case <-ctx.Done(): // want `goroutine of g uses ctx, not loadCtx`
				return ctx.Err() // want `goroutine of g uses ctx, not loadCtx`
			}
		})
	}
	return g.Wait()
}

// task builds the goroutine's function from the parent ctx.
func task(ctx context.Context, s Shard) func() error {
	return func() error { _, err := load(ctx, s); return err }
}

// Queue hands the parent ctx to a task constructor, and uses TryGo.
func Queue(ctx context.Context, shards []Shard) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range shards {
		if !g.TryGo(task(ctx, s)) { // want `goroutine of g uses ctx, not gctx`
			g.Go(task(gctx, s))
		}
	}
	return g.Wait()
}

// Discarded drops the group's context but its goroutines use ctx.
func Discarded(ctx context.Context, shards []Shard) error {
	g, _ := errgroup.WithContext(ctx) // want `the context of errgroup\.WithContext is discarded while its goroutines use ctx: the first error does not cancel the others`
	for _, s := range shards {
		g.Go(func() error {
			_, err := load(ctx, s)
			return err
		})
	}
	return g.Wait()
}

// ---- silent: correct versions and near misses ----

// LoadAllOK passes gctx.
func LoadAllOK(ctx context.Context, shards []Shard) ([]Batch, error) {
	out := make([]Batch, len(shards))
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range shards {
		g.Go(func() error {
			b, err := load(gctx, s)
			out[i] = b
			return err
		})
	}
	return out, g.Wait()
}

// Rebind shadows ctx with the group's context: the common idiom.
func Rebind(ctx context.Context, shards []Shard) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, s := range shards {
		g.Go(func() error {
			_, err := load(ctx, s)
			return err
		})
	}
	return g.Wait()
}

// Plain uses a zero Group: there is no group context to prefer.
func Plain(ctx context.Context, shards []Shard) error {
	var g errgroup.Group
	for _, s := range shards {
		g.Go(func() error {
			_, err := load(ctx, s)
			return err
		})
	}
	return g.Wait()
}

// NewGroup uses new(errgroup.Group).
func NewGroup(ctx context.Context, shards []Shard) error {
	g := new(errgroup.Group)
	for _, s := range shards {
		g.Go(func() error {
			_, err := load(ctx, s)
			return err
		})
	}
	return g.Wait()
}

// DiscardedUnused drops the group's context and its goroutines need none.
func DiscardedUnused(ctx context.Context, paths []string) error {
	g, _ := errgroup.WithContext(ctx)
	for _, p := range paths {
		g.Go(func() error { return check(p) })
	}
	return g.Wait()
}

func check(path string) error { return nil }

// AfterWait uses the parent ctx outside the group's goroutines.
func AfterWait(ctx context.Context, shards []Shard) (Batch, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		_, err := load(gctx, shards[0])
		return err
	})
	if err := g.Wait(); err != nil {
		return Batch{}, err
	}
	return load(ctx, shards[0])
}

// OtherGroup: the goroutine belongs to a zero group, not to g.
func OtherGroup(ctx context.Context, shards []Shard) error {
	g, gctx := errgroup.WithContext(ctx)
	var side errgroup.Group
	side.Go(func() error { _, err := load(ctx, shards[0]); return err })
	g.Go(func() error { _, err := load(gctx, shards[1]); return err })
	_ = side.Wait()
	return g.Wait()
}
