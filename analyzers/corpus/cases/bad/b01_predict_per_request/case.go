// A goroutine per inference request, however large the batch.
// Expect: unboundedgo
package c

import "sync"

type Model struct{}

func (Model) Predict(x []float32) float32 { return 0 }

func ScoreBatch(m Model, batch [][]float32) []float32 {
	out := make([]float32, len(batch))
	var wg sync.WaitGroup
	for i, x := range batch {
		wg.Add(1)
		go func() { // BUG
			defer wg.Done()
			out[i] = m.Predict(x)
		}()
	}
	wg.Wait()
	return out
}
