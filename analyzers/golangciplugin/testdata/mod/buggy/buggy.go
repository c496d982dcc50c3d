// Package buggy has one finding for each of two of the plugin's analyzers.
package buggy

import (
	"context"
	"time"
)

// Tick waits for one tick and leaves the ticker running.
func Tick(d time.Duration) {
	t := time.NewTicker(d) // want timerstop
	<-t.C
}

// Fetch strands its goroutine when the timeout wins.
func Fetch(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { ch <- 42 }() // want chanleak
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, context.DeadlineExceeded
	}
}

// Stop cancels nothing: lostcancel's, in govet, not the plugin's.
func Stop(ctx context.Context) context.Context {
	ctx, _ = context.WithTimeout(ctx, time.Second)
	return ctx
}

// Quiet silences one finding, and has a directive that silences nothing.
func Quiet(d time.Duration) {
	t := time.NewTicker(d) //asyncvet:ignore timerstop the caller exits after one tick
	<-t.C
	x := 1 //asyncvet:ignore chanleak no goroutine here any more // want ignore
	_ = x
}
