// Fixed fan-out over three models.
package c

import "sync"

type Model interface{ Predict(x []float32) float32 }

func Ensemble(a, b, c Model, x []float32) [3]float32 {
	var out [3]float32
	var wg sync.WaitGroup
	for i, m := range [3]Model{a, b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = m.Predict(x)
		}()
	}
	wg.Wait()
	return out
}
