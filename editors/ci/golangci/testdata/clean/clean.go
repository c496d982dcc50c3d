// Package clean holds the correct versions of package buggy's code, and
// near misses: nothing here may be reported.
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

// Deadline calls cancel when the work is done.
func Deadline(ctx context.Context, work func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return work(ctx)
}

// Wait receives from a channel it made, with no timeout: nothing strands.
func Wait() int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	return <-ch
}
