// Package byvalue prefetches dataset shards into a local cache.
package byvalue

import (
	"fmt"
	"sync"
)

func fetch(shard string) {}

func prefetch(shard string, wg sync.WaitGroup) { // want `parameter wg is a copy of the caller's sync.WaitGroup: Done on the copy never reaches the caller's Wait; take \*sync.WaitGroup`
	defer wg.Done()
	fetch(shard)
}

// Prefetch passes the WaitGroup by value.
func Prefetch(shards []string) {
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go prefetch(s, wg) // want `wg is passed to prefetch by value: Done on the copy never reaches the caller's Wait; pass a pointer`
	}
	wg.Wait()
}

// Loader holds a WaitGroup as a field.
type Loader struct {
	wg sync.WaitGroup
}

// PrefetchLit copies a field into a literal's parameter.
func (l *Loader) PrefetchLit(shards []string) {
	for _, s := range shards {
		l.wg.Add(1)
		go func(wg sync.WaitGroup) { // want `parameter wg is a copy`
			defer wg.Done()
			fetch(s)
		}(l.wg) // want `l.wg is passed to the function literal by value`
	}
	l.wg.Wait()
}

func discard(sync.WaitGroup) {} // want `this parameter is a copy`

// Zero passes a fresh WaitGroup: the parameter is reported, the argument is
// not a copy of a live WaitGroup.
func Zero() {
	discard(sync.WaitGroup{})
}

func prefetchPtr(shard string, wg *sync.WaitGroup) {
	defer wg.Done()
	fetch(shard)
}

// PrefetchPtr is the correct version.
func PrefetchPtr(shards []string) {
	var wg sync.WaitGroup
	for _, s := range shards {
		wg.Add(1)
		go prefetchPtr(s, &wg)
	}
	wg.Wait()
	fmt.Println("prefetched", len(shards), &wg)
}

type group struct {
	wg *sync.WaitGroup
}

func (g group) run(shard string) {
	defer g.wg.Done()
	fetch(shard)
}

// PrefetchGroup copies a struct holding a pointer: the WaitGroup is shared.
func PrefetchGroup(shards []string) {
	g := group{wg: new(sync.WaitGroup)}
	for _, s := range shards {
		g.wg.Add(1)
		go g.run(s)
	}
	g.wg.Wait()
}
