package flusher

import (
	"context"
	"testing"
	"time"
)

type countSink struct{ n chan int }

func (s countSink) Flush(Metrics) error { s.n <- 1; return nil }

// TestFlusher stages events with waits on a ctx it holds: tests are not
// checked for select-without-done or sleep-ignores-ctx.
func TestFlusher(t *testing.T) {
	ctx := t.Context()
	s := countSink{n: make(chan int, 1)}
	flusherOK(ctx, s, &Metrics{})
	for i := 0; i < 1; i++ {
		select {
		case <-s.n:
		case <-time.After(10 * time.Second):
			t.Fatal("no flush")
		}
	}
	time.Sleep(time.Millisecond)
}

// A forever goroutine in a test is still reported: goleak would fail.
func TestLeak(t *testing.T) {
	ch := make(chan int)
	go func() { // want `goroutine never exits`
		for {
			<-ch
		}
	}()
	_ = context.Background()
}
