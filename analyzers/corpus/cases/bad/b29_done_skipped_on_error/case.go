// Done is skipped when a shard fails to load, so Wait blocks forever.
// Expect: wgmisuse
package c

import "sync"

func loadShard(i int) ([]byte, error) { return nil, nil }

func LoadAll(n int) [][]byte {
	out := make([][]byte, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			b, err := loadShard(i)
			if err != nil {
				return
			}
			out[i] = b
			wg.Done() // BUG
		}()
	}
	wg.Wait()
	return out
}
