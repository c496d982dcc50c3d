// Four workers over a job channel, counted with range over an int.
package c

import "sync"

func Run(jobs <-chan string, do func(string)) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				do(j)
			}
		}()
	}
	wg.Wait()
}
