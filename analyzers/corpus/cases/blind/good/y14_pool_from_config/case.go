// Embeds documents with at most cfg.Workers requests in flight.
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Config struct{ Workers int }

func embed(ctx context.Context, doc string) ([]float32, error) { return nil, nil }

func EmbedAll(ctx context.Context, cfg Config, docs []string) ([][]float32, error) {
	out := make([][]float32, len(docs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Workers)
	for i, d := range docs {
		g.Go(func() error {
			v, err := embed(gctx, d)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}
