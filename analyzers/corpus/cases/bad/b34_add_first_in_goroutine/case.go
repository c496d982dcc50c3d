// The classic: Add as the first statement of the goroutine.
// Expect: waitgroup
package c

import "sync"

func Prefetch(urls [3]string, get func(string)) {
	var wg sync.WaitGroup
	for _, u := range urls {
		go func() {
			wg.Add(1) // BUG
			defer wg.Done()
			get(u)
		}()
	}
	wg.Wait()
}
