// Waits for the workers in a goroutine but forgets to close results.
// Expect: chanleak
package c

import "sync"

func Evaluate(cases [8]string, eval func(string) float64) []float64 {
	results := make(chan float64, len(cases))
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- eval(c)
		}()
	}
	go func() { wg.Wait() }()
	var scores []float64
	for s := range results { // BUG
		scores = append(scores, s)
	}
	return scores
}
