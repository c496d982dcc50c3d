// Package inference fans batch inference out with errgroup and forgets the
// limit; the fixes call SetLimit before the loop.
package inference

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Doc struct{ Text string }

type Model interface {
	Embed(ctx context.Context, d Doc) ([]float32, error)
}

// Embed embeds every document at once: a batch of 50,000 is 50,000 calls.
func Embed(ctx context.Context, m Model, docs []Doc) ([][]float32, error) {
	g, ctx := errgroup.WithContext(ctx)
	out := make([][]float32, len(docs))
	for i, d := range docs {
		g.Go(func() (err error) { // want `goroutine started by g.Go for every element of docs with no limit on concurrency: call g.SetLimit\(n\) before the loop`
			out[i], err = m.Embed(ctx, d)
			return err
		})
	}
	return out, g.Wait()
}

// Started starts a goroutine before the loop: SetLimit would panic there,
// so no fix is offered.
func Started(ctx context.Context, m Model, docs []Doc) error {
	var g errgroup.Group
	g.Go(func() error { return nil })
	for _, d := range docs {
		g.Go(func() error { // want `goroutine started by g.Go for every element of docs with no limit`
			_, err := m.Embed(ctx, d)
			return err
		})
	}
	return g.Wait()
}

// Nested runs its loop in another loop: no fix, SetLimit would run again
// while goroutines are active.
func Nested(ctx context.Context, m Model, shards [][]Doc) error {
	g := new(errgroup.Group)
	for _, shard := range shards {
		for _, d := range shard {
			g.Go(func() error { // want `goroutine started by g.Go for every element of shard with no limit`
				_, err := m.Embed(ctx, d)
				return err
			})
		}
	}
	return g.Wait()
}
