// Embeds every document at once through an errgroup with no limit.
// Expect: unboundedgo
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Embedder interface {
	Embed(ctx context.Context, text string) ([]float32, error)
}

func EmbedAll(ctx context.Context, e Embedder, docs []string) ([][]float32, error) {
	out := make([][]float32, len(docs))
	g, gctx := errgroup.WithContext(ctx)
	for i, d := range docs {
		g.Go(func() error { // BUG
			v, err := e.Embed(gctx, d)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}
