package modelcache

import (
	"testing"
	"time"
)

// TestContention holds the lock and sleeps to stage contention: not
// reported in tests. The send under the lock still is.
func TestContention(t *testing.T) {
	c := &Cache{models: map[string]*Model{}, loaded: make(chan string)}
	go func() {
		c.mu.Lock()
		time.Sleep(10 * time.Millisecond)
		c.loaded <- "warm" // want `c.mu is held while sending on c.loaded`
		c.mu.Unlock()
	}()
	<-c.loaded
}
