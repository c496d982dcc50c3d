// Package broken has type errors: the analyzer must not panic on it, nor
// report what it cannot see, and still report what it can.
package broken

import "sync"

func fetch(shard string) {}

// Fetch uses names that do not exist.
func Fetch(shards []string) {
	var wg sync.WaitGroup
	for _, s := range shards {
		go func() {
			missing.Add(1)
			defer missing.Done()
			fetch(s)
		}()
		go undefinedWorker(&wg, s)
		go func(w sync.WaitGruop) {
			w.Done()
		}(wg)
	}
	go func() {
		wg.Add(1) // want `wg.Add is called inside the goroutine`
		defer wg.Done()
		fetch(undefinedShard)
	}()
	wg.Wait(1)
	var x = nosuch.Value
	prefetch(x, wg.Missing)
}

func prefetch(shard string, wg *sync.WaitGroup) {
	if shard == "" {
		return
	}
	wg.Done(undefinedArg)
}

// Loop has an Add without its count and a Wait inside the loop.
func Loop(shards []string) {
	var wg sync.WaitGroup
	wg.Add()
	for _, s := range shards {
		go func() {
			defer wg.Done()
			fetch(s)
		}()
		wg.Wait()
	}
}
