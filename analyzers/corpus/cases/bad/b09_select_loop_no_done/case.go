// Collects gradients until all arrive, but never looks at ctx.
// Expect: ctxcancel
package c

import (
	"context"
	"time"
)

func Collect(ctx context.Context, grads <-chan []float32, n int) [][]float32 {
	var got [][]float32
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for len(got) < n {
		select { // BUG
		case g := <-grads:
			got = append(got, g)
		case <-tick.C:
			println("waiting for gradients")
		}
	}
	return got
}
