// Add is called inside the goroutine after some setup: Wait may return first.
// Expect: wgmisuse
package c

import (
	"log"
	"sync"
)

func Warm(models [3]string, warm func(string)) {
	var wg sync.WaitGroup
	for _, m := range models {
		go func() {
			log.Printf("warming %s", m)
			wg.Add(1) // BUG
			defer wg.Done()
			warm(m)
		}()
	}
	wg.Wait()
}
