// Calls wg.Add inside each shard loader: Wait can return before any loader has started.
// Expect: wgmisuse
package c

import "sync"

func LoadShards(paths [4]string, load func(string)) {
	var wg sync.WaitGroup
	for _, p := range paths {
		go func() {
			wg.Add(1) // BUG
			defer wg.Done()
			load(p)
		}()
	}
	wg.Wait()
}
