// Embeds documents with at most eight requests in flight.
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
	g.SetLimit(8)
	for i, d := range docs {
		g.Go(func() error {
			v, err := e.Embed(gctx, d)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}
