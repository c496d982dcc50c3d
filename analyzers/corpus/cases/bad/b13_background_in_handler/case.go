// Calls the model with a fresh Background context, so the request's deadline is lost.
// Expect: ctxprop
package c

import "context"

type Model interface {
	Predict(ctx context.Context, in []float32) ([]float32, error)
}

func Handle(ctx context.Context, m Model, in []float32) ([]float32, error) {
	return m.Predict(context.Background(), in) // BUG
}
