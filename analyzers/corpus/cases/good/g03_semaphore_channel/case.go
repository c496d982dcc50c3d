// Scores a batch with a channel semaphore bounding concurrency.
package c

import "sync"

func ScoreBatch(predict func([]float32) float32, batch [][]float32, limit int) []float32 {
	out := make([]float32, len(batch))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, x := range batch {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = predict(x)
		}()
	}
	wg.Wait()
	return out
}
