// A function with no ctx of its own starts from Background.
package c

import (
	"context"
	"time"
)

type Model interface {
	Predict(ctx context.Context, x []float32) (float32, error)
}

func Warmup(m Model) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := m.Predict(ctx, make([]float32, 8))
	return err
}
