// A prefetcher goroutine sleeps between batches without watching ctx.
// Expect: ctxcancel
package c

import (
	"context"
	"time"
)

func Prefetch(ctx context.Context, next func(context.Context) ([]byte, error), out chan<- []byte) {
	go func() {
		defer close(out)
		for i := 0; i < 100; i++ {
			b, err := next(ctx)
			if err != nil {
				return
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			time.Sleep(10 * time.Millisecond) // BUG
		}
	}()
}
