// A fixed pool of workers scores a batch; failed predictions are left at zero by choice.
package c

import "sync"

type Scorer interface {
	Predict(x []float32) (float32, error)
}

func ScoreBatch(m Scorer, batch [][]float32, workers int) []float32 {
	out := make([]float32, len(batch))
	idx := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				out[i], _ = m.Predict(batch[i])
			}
		}()
	}
	for i := range batch {
		idx <- i
	}
	close(idx)
	wg.Wait()
	return out
}
