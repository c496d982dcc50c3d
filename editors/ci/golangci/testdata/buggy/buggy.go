// Package buggy has a finding for two of asyncbook's analyzers, and one for
// the Go team's lostcancel, which golangci-lint reports through govet.
package buggy

import (
	"context"
	"time"
)

// Tick waits for one tick and leaves the ticker running.
func Tick(d time.Duration) {
	t := time.NewTicker(d) // want asyncbook timerstop
	<-t.C
}

// Fetch strands its goroutine when the timeout wins.
func Fetch(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { ch <- 42 }() // want asyncbook chanleak
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}

// Deadline drops the cancel function.
func Deadline(ctx context.Context) context.Context {
	ctx, _ = context.WithTimeout(ctx, time.Second) // want govet lostcancel
	return ctx
}
