// Reranks every candidate at once: SetLimit(len(cands)) limits nothing.
// Expect: unboundedgo
package c

import (
	"context"

	"golang.org/x/sync/errgroup"
)

type Reranker interface {
	Score(ctx context.Context, query, doc string) (float64, error)
}

func Rerank(ctx context.Context, r Reranker, query string, cands []string) ([]float64, error) {
	scores := make([]float64, len(cands))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(len(cands))
	for i, doc := range cands {
		g.Go(func() error { // BUG
			s, err := r.Score(gctx, query, doc)
			scores[i] = s
			return err
		})
	}
	return scores, g.Wait()
}
