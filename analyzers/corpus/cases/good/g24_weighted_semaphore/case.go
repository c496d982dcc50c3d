// Bounds GPU jobs with a weighted semaphore acquired before each goroutine.
package c

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

func RunTrials(ctx context.Context, trials []string, run func(context.Context, string)) error {
	sem := semaphore.NewWeighted(4)
	var wg sync.WaitGroup
	for _, t := range trials {
		if err := sem.Acquire(ctx, 1); err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sem.Release(1)
			run(ctx, t)
		}()
	}
	wg.Wait()
	return ctx.Err()
}
