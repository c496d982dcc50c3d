// The loader's send watches ctx, and the trainer cancels it when it stops early.
package c

import "context"

type Batch struct{ X [][]float32 }

func load(i int) Batch { return Batch{} }

func Train(ctx context.Context, numBatches, maxSteps int, step func(Batch)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for i := 0; i < numBatches; i++ {
			select {
			case batches <- load(i):
			case <-ctx.Done():
				return
			}
		}
	}()
	n := 0
	for b := range batches {
		step(b)
		n++
		if n == maxSteps {
			break
		}
	}
}
