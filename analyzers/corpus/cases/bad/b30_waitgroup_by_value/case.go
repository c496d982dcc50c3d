// The worker gets a copy of the WaitGroup: its Done never reaches the caller.
// Expect: wgmisuse
package c

import "sync"

func worker(id int, jobs <-chan int, wg sync.WaitGroup) { // BUG
	defer wg.Done()
	for range jobs {
	}
}

func Pool(jobs <-chan int) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go worker(i, jobs, wg) // BUG
	}
	wg.Wait()
}
