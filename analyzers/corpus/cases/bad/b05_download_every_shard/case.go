// Downloads every shard of a dataset at once.
// Expect: unboundedgo
package c

import "sync"

func download(id string, url string) error { return nil }

func FetchShards(shards map[string]string) {
	var wg sync.WaitGroup
	for id, url := range shards {
		wg.Add(1)
		go func() { // BUG
			defer wg.Done()
			_ = download(id, url)
		}()
	}
	wg.Wait()
}
