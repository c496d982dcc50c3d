// Add before go, Done deferred.
package c

import "sync"

func loadShard(i int) ([]byte, error) { return nil, nil }

func LoadAll() [][]byte {
	const n = 4
	out := make([][]byte, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := loadShard(i)
			if err != nil {
				return
			}
			out[i] = b
		}()
	}
	wg.Wait()
	return out
}
