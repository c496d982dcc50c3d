package modelcache

import (
	"testing"
	"time"
)

// TestContention holds the lock, sleeps and sends to stage contention: test
// code is not reported.
func TestContention(t *testing.T) {
	c := &Cache{models: map[string]*Model{}, loaded: make(chan string)}
	go func() {
		c.mu.Lock()
		time.Sleep(10 * time.Millisecond)
		c.loaded <- "warm"
		c.mu.Unlock()
	}()
	<-c.loaded
}
