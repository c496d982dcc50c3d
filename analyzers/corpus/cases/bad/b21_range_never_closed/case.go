// Workers send batches; the collector ranges over a channel nobody closes.
// Expect: chanleak
package c

import "sync"

func Collect(shards [4][]int) []int {
	out := make(chan int, 16)
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, v := range s {
				out <- v * 2
			}
		}()
	}
	var all []int
	for v := range out { // BUG
		all = append(all, v)
	}
	wg.Wait()
	return all
}
