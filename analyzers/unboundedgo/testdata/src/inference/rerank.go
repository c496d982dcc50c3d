package inference

import (
	"context"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// Workers is how many goroutines a CPU-bound stage uses.
func Workers() int { return runtime.NumCPU() }

type Scorer interface {
	Score(ctx context.Context, query string, d Doc) (float64, error)
}

// Rerank scores every candidate at once; the file already imports runtime.
func Rerank(ctx context.Context, s Scorer, query string, cands []Doc) ([]float64, error) {
	scores := make([]float64, len(cands))
	g := &errgroup.Group{}
rank:
	for i, d := range cands {
		if d.Text == "" {
			continue rank
		}
		g.Go(func() (err error) { // want `goroutine started by g.Go for every element of cands`
			scores[i], err = s.Score(ctx, query, d)
			return err
		})
	}
	return scores, g.Wait()
}
