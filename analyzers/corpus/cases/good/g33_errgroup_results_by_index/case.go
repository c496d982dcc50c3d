// Bounded fan-out with errgroup; the first error cancels the rest.
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Model interface {
	Predict(ctx context.Context, x []float32) (float32, error)
}

func PredictAll(ctx context.Context, m Model, xs [][]float32) ([]float32, error) {
	out := make([]float32, len(xs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, x := range xs {
		g.Go(func() error {
			y, err := m.Predict(ctx, x)
			if err != nil {
				return err
			}
			out[i] = y
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
