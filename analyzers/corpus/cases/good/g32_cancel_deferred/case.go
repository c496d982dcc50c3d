// The per-call timeout's cancel is deferred.
package c

import (
	"context"
	"time"
)

type Model interface {
	Predict(ctx context.Context, x []float32) (float32, error)
}

func PredictFast(ctx context.Context, m Model, x []float32) (float32, error) {
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	return m.Predict(cctx, x)
}
