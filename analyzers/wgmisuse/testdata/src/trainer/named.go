package trainer

import (
	"context"
	"log"
	"sync"
)

// Coordinator runs training workers as methods.
type Coordinator struct {
	grads chan Grad
}

func (c *Coordinator) runWorker(ctx context.Context, wg *sync.WaitGroup, w Worker, batch int) {
	g, err := w.Step(ctx, batch)
	if err != nil {
		log.Printf("worker step: %v", err)
		return
	}
	c.grads <- g
	wg.Done() // want `wg.Done is not deferred and the return at line 18 skips it`
}

// Round starts every worker twice (two micro-batches): runWorker is reported
// once.
func (c *Coordinator) Round(ctx context.Context, workers []Worker) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(2)
		go c.runWorker(ctx, &wg, w, 0)
		go c.runWorker(ctx, &wg, w, 1)
	}
	wg.Wait()
	close(c.grads)
}
