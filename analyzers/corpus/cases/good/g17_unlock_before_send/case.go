// Copies under the lock and publishes after releasing it.
package c

import "sync"

type Cache struct {
	mu      sync.Mutex
	entries map[string][]float32
	updates chan string
}

func (c *Cache) Put(k string, v []float32) {
	c.mu.Lock()
	c.entries[k] = v
	c.mu.Unlock()
	c.updates <- k
}
