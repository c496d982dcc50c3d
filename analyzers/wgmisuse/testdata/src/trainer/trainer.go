// Package trainer collects gradients from training workers.
package trainer

import (
	"context"
	"sync"
)

// Grad is one worker's gradient.
type Grad []float32

// Worker runs one training step on a batch.
type Worker interface {
	Step(ctx context.Context, batch int) (Grad, error)
}

// Collect skips Done when a worker fails.
func Collect(ctx context.Context, workers []Worker, batch int) []Grad {
	grads := make([]Grad, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			g, err := w.Step(ctx, batch)
			if err != nil {
				return
			}
			grads[i] = g
			wg.Done() // want `wg.Done is not deferred and the return at line 26 skips it: wg.Wait then blocks forever`
		}()
	}
	wg.Wait()
	return grads
}

// CollectOK calls Done only on success: the failed path falls off the end.
func CollectOK(ctx context.Context, workers []Worker, batch int) []Grad {
	grads := make([]Grad, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			g, err := w.Step(ctx, batch)
			if err == nil {
				grads[i] = g
				wg.Done() // want `wg.Done is not deferred and a path to the end of the goroutine \(line 48\) skips it`
			}
		}()
	}
	wg.Wait()
	return grads
}

// CollectOrCancel returns on cancellation without Done.
func CollectOrCancel(ctx context.Context, workers []Worker, batch int, out chan<- Grad) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			g, err := w.Step(ctx, batch)
			if err != nil {
				wg.Done()
				return
			}
			select {
			case out <- g:
			case <-ctx.Done():
				return
			}
			wg.Done() // want `wg.Done is not deferred and the return at line 68 skips it`
		}()
	}
	wg.Wait()
	close(out)
}

// Epochs trains each worker for several epochs; a failed step leaves with
// Done, but a diverged one leaves without it.
func Epochs(ctx context.Context, workers []Worker, batch, epochs int) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			for e := 0; e < epochs; e++ {
				g, err := w.Step(ctx, batch)
				if err != nil {
					wg.Done()
					return
				}
				if len(g) == 0 {
					return
				}
			}
			wg.Done() // want `wg.Done is not deferred and the return at line 91 skips it`
		}()
	}
	wg.Wait()
}
