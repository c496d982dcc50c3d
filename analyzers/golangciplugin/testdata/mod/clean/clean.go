// Package clean holds the correct versions of package buggy's code.
package clean

import (
	"context"
	"time"
)

// Tick stops its ticker.
func Tick(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	<-t.C
}

// Fetch lets its goroutine finish the send and exit.
func Fetch(ctx context.Context) (int, error) {
	ch := make(chan int, 1)
	go func() { ch <- 42 }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}
