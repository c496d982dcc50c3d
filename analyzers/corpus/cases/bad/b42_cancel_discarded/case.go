// The cancel function of the per-call timeout is discarded.
// Expect: lostcancel
package c

import (
	"context"
	"time"
)

type Model interface {
	Predict(ctx context.Context, x []float32) (float32, error)
}

func PredictFast(ctx context.Context, m Model, x []float32) (float32, error) {
	cctx, _ := context.WithTimeout(ctx, 50*time.Millisecond) // BUG
	return m.Predict(cctx, x)
}
