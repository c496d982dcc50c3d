// The producer closes its channel; the consumer ranges to the end.
package c

type Batch struct{ X [][]float32 }

func load(i int) Batch { return Batch{} }

func Train(numBatches int, step func(Batch)) {
	batches := make(chan Batch, 4)
	go func() {
		defer close(batches)
		for i := 0; i < numBatches; i++ {
			batches <- load(i)
		}
	}()
	for b := range batches {
		step(b)
	}
}
