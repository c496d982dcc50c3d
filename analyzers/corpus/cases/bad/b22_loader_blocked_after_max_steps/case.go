// The data loader keeps producing after the training loop stops at maxSteps.
// Expect: chanleak
package c

type Batch struct{ X [][]float32 }

func load(i int) Batch { return Batch{} }

func Train(numBatches, maxSteps int, step func(Batch)) {
	batches := make(chan Batch)
	go func() {
		defer close(batches)
		for i := 0; i < numBatches; i++ {
			batches <- load(i) // BUG
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
