// A closer goroutine closes results after the workers finish.
package c

import "sync"

func Evaluate(cases [8]string, eval func(string) float64) []float64 {
	results := make(chan float64)
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- eval(c)
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var scores []float64
	for s := range results {
		scores = append(scores, s)
	}
	return scores
}
