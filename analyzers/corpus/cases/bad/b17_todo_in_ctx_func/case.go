// Passes context.TODO() to the feature store from a function that has a ctx.
// Expect: ctxprop
package c

import "context"

type Store interface {
	Get(ctx context.Context, key string) ([]float64, error)
}

func Features(ctx context.Context, s Store, key string) ([]float64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Get(context.TODO(), key) // BUG
}
