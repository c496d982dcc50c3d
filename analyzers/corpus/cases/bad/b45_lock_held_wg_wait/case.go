// Waits for all workers while holding the aggregation lock the workers need.
// Expect: lockblock
package c

import "sync"

type Agg struct {
	mu  sync.Mutex
	sum []float64
}

func (a *Agg) Run(parts [4][]float64) {
	var wg sync.WaitGroup
	a.mu.Lock()
	for _, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.mu.Lock()
			a.sum = append(a.sum, p...)
			a.mu.Unlock()
		}()
	}
	wg.Wait() // BUG
	a.mu.Unlock()
}
