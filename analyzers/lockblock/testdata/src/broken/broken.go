// Package broken has type errors: the analyzer must not panic on it, nor
// report what it cannot see, and still report what it can.
package broken

import (
	"sync"
	"time"
)

type cache struct {
	mu      sync.Mutex
	updates chan string
}

func (c *cache) load(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	undefinedLock.Lock()
	c.updates <- missingName // want `c.mu is held while sending on c.updates`
	nosuch.Sleep(time.Second)
	c.other.Wait()
	<-undefinedChan
	time.Sleep(undefinedDuration) // want `c.mu is held during time.Sleep`
	for x := range missing {
		_ = x
	}
}

func (c *cache) half() {
	c.mu.Lock()
	c.mu.Unlock(1, 2)
	var v Undefined
	v.Lock()
	v.Read()
	v.Unlock()
}
