// Package visitor hands function literals to functions that call them
// while the caller holds a lock.
package visitor

import (
	"sort"
	"strings"
	"sync"
)

type entry struct{ bytes int }

type Cache struct {
	mu      sync.Mutex
	entries map[string]*entry
	once    sync.Once
	hooks   []func(string)
}

// walk calls fn for each entry; its callers hold c.mu.
func (c *Cache) walk(fn func(string, *entry) bool) {
	for k, e := range c.entries {
		if !fn(k, e) {
			return
		}
	}
}

// Delete removes one entry.
func (c *Cache) Delete(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, name)
}

// Size reads under the lock.
func (c *Cache) Size(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[name].bytes
}

// Purge deletes matching entries from inside the visitor, under c.mu.
func (c *Cache) Purge(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.walk(func(name string, e *entry) bool {
		if strings.HasPrefix(name, prefix) {
			c.Delete(name) // want `Delete, called in this function literal, locks c.mu \(visitor.go:31\), but walk calls the literal while the caller holds c.mu \(locked at line 45\)`
		}
		return true
	})
}

// Init takes the lock inside once.Do while holding it.
func (c *Cache) Init() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.once.Do(func() {
		c.mu.Lock() // want `this function literal locks c.mu, but Do calls the literal while the caller holds c.mu`
		c.entries = map[string]*entry{}
		c.mu.Unlock()
	})
}

// Largest sorts with a comparison that reads through the locking getter.
func (c *Cache) Largest(names []string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	sort.Slice(names, func(i, j int) bool {
		return c.Size(names[i]) > c.Size(names[j]) // want `Size, called in this function literal, locks c.mu`
	})
	return names[0]
}

// PurgeAfter collects under the lock and deletes after it.
func (c *Cache) PurgeAfter(prefix string) {
	var doomed []string
	c.mu.Lock()
	c.walk(func(name string, e *entry) bool {
		if strings.HasPrefix(name, prefix) {
			doomed = append(doomed, name)
		}
		return true
	})
	c.mu.Unlock()
	for _, n := range doomed {
		c.Delete(n)
	}
}

// later stores the function instead of calling it.
func (c *Cache) later(fn func(string)) { c.hooks = append(c.hooks, fn) }

// background runs the function in a goroutine of its own.
func background(fn func()) { go fn() }

// Register hands literals that lock to functions that do not call them
// under the lock.
func (c *Cache) Register() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.later(func(name string) { c.Delete(name) })
	background(func() { c.Delete("tmp") })
}

// Mirror locks another cache inside the visitor: a different lock.
func (c *Cache) Mirror(dst *Cache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.walk(func(name string, e *entry) bool {
		dst.Delete(name)
		return true
	})
}
