// Package skipstart counts every element up front and skips some.
package skipstart

import "sync"

func fetch(string) {}

// Prefetch skips the empty names it counted.
func Prefetch(shards []string) {
	var wg sync.WaitGroup
	wg.Add(len(shards))
	for _, sh := range shards {
		if sh == "" {
			continue // want `wg.Add\(len\(shards\)\) counts every element of shards, but this continue skips the goroutine of this one and nothing calls wg.Done for it`
		}
		go func() {
			defer wg.Done()
			fetch(sh)
		}()
	}
	wg.Wait()
}

// PrefetchLimit stops early.
func PrefetchLimit(shards []string, max int) {
	var wg sync.WaitGroup
	wg.Add(len(shards))
	for i, sh := range shards {
		if i >= max {
			break // want `this break skips the goroutine`
		}
		go func() {
			defer wg.Done()
			fetch(sh)
		}()
	}
	wg.Wait()
}

// PrefetchDone counts the skipped one down itself: fine.
func PrefetchDone(shards []string) {
	var wg sync.WaitGroup
	wg.Add(len(shards))
	for _, sh := range shards {
		if sh == "" {
			wg.Done()
			continue
		}
		go func() {
			defer wg.Done()
			fetch(sh)
		}()
	}
	wg.Wait()
}

// PrefetchEach adds one per goroutine: fine.
func PrefetchEach(shards []string) {
	var wg sync.WaitGroup
	for _, sh := range shards {
		if sh == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fetch(sh)
		}()
	}
	wg.Wait()
}

// PrefetchInner continues an inner loop only: fine.
func PrefetchInner(shards []string, parts [][]string) {
	var wg sync.WaitGroup
	wg.Add(len(shards))
	for _, sh := range shards {
		for _, p := range parts {
			if len(p) == 0 {
				continue
			}
		}
		go func() {
			defer wg.Done()
			fetch(sh)
		}()
	}
	wg.Wait()
}
