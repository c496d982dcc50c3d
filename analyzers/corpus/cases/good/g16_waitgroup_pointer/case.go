// Workers get a pointer to the WaitGroup.
package c

import "sync"

func worker(jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs {
	}
}

func Pool(jobs <-chan int) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go worker(jobs, &wg)
	}
	wg.Wait()
}
