// Feature-store lookups, one goroutine per user id.
// Expect: unboundedgo
package c

import "sync"

type Features map[string]float64

func lookup(id int64) Features { return nil }

func FetchFeatures(userIDs []int64) []Features {
	out := make([]Features, len(userIDs))
	var wg sync.WaitGroup
	for i := range userIDs {
		wg.Add(1)
		go func(i int) { // BUG
			defer wg.Done()
			out[i] = lookup(userIDs[i])
		}(i)
	}
	wg.Wait()
	return out
}
