// Collects gradients and gives up when ctx is cancelled.
package c

import "context"

func Collect(ctx context.Context, grads <-chan []float32, n int) ([][]float32, error) {
	var got [][]float32
	for len(got) < n {
		select {
		case g := <-grads:
			got = append(got, g)
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
	return got, nil
}
