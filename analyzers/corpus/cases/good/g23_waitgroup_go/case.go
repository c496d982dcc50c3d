// sync.WaitGroup.Go counts and waits without Add/Done.
package c

import "sync"

func Warm(models [3]string, warm func(string)) {
	var wg sync.WaitGroup
	for _, m := range models {
		wg.Go(func() { warm(m) })
	}
	wg.Wait()
}
