// Holds the cache lock while publishing to a channel.
// Expect: lockblock
package c

import "sync"

type Cache struct {
	mu      sync.Mutex
	entries map[string][]float32
	updates chan string
}

func (c *Cache) Put(k string, v []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k] = v
	c.updates <- k // BUG
}
