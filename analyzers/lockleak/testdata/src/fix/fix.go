package fix

import "sync"

type Cache struct {
	mu   sync.Mutex
	data map[string][]float32
}

func (c *Cache) Embedding(key string) ([]float32, bool) {
	c.mu.Lock()
	if key == "" {
		return nil, false // want `c.mu is still locked at this return`
	}
	v, ok := c.data[key]
	c.mu.Unlock()
	return v, ok
}

// Not mechanical: work runs after the Unlock, outside the lock.
func (c *Cache) Put(key string, v []float32, notify func()) {
	c.mu.Lock()
	if v == nil {
		return // want `c.mu is still locked at this return`
	}
	c.data[key] = v
	c.mu.Unlock()
	notify()
}
