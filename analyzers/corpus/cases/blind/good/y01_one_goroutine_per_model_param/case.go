// One goroutine per model of a fixed model list, each bounded inside by its endpoint's limit.
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Model struct{ limit int }

func (m *Model) Predict(ctx context.Context, x string) (string, error) { return x, nil }

func RunAll(ctx context.Context, models []*Model, inputs []string) ([][]string, error) {
	out := make([][]string, len(models))
	g, gctx := errgroup.WithContext(ctx)
	for mi, m := range models {
		out[mi] = make([]string, len(inputs))
		g.Go(func() error { return runModel(gctx, m, inputs, out[mi]) })
	}
	return out, g.Wait()
}

func runModel(ctx context.Context, m *Model, inputs, out []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.limit)
	for i, x := range inputs {
		g.Go(func() error {
			p, err := m.Predict(gctx, x)
			out[i] = p
			return err
		})
	}
	return g.Wait()
}
