// Writes embeddings to the cache in the background and discards the error.
// Expect: droppederr
package c

import "context"

type Store interface {
	Put(ctx context.Context, key string, v []float32) error
}

func Remember(ctx context.Context, s Store, key string, v []float32) []float32 {
	go func() {
		_ = s.Put(context.WithoutCancel(ctx), key, v) // BUG
	}()
	return v
}
