package named

import (
	"context"
	"errors"
	"time"
)

func produce(out chan<- int) {
	out <- compute() // want `goroutine produce blocks forever on send on out when Timeout returns at line 23: nothing receives from it on that path`
}

func compute() int { return 1 }

// The caller gives up on timeout: the producer is stranded.
func Timeout() (int, error) {
	ch := make(chan int)
	go produce(ch)
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}

type worker struct {
	updates chan int
}

func (w *worker) run() {
	w.updates <- compute() // want `goroutine run blocks forever on send on w.updates when Method returns at line 41`
}

// A method started as a goroutine sends on a field nobody reads when the
// first check fails.
func Method(ctx context.Context) error {
	w := &worker{updates: make(chan int)}
	go w.run()
	if err := ctx.Err(); err != nil {
		return err
	}
	<-w.updates
	return nil
}

func watcher(done chan struct{}) {
	<-done // want `goroutine watcher blocks forever on receive from done when Watch returns at line 56: nothing sends on or closes it on that path`
}

// The early return forgets to close done.
func Watch(fail bool) error {
	done := make(chan struct{})
	go watcher(done)
	if fail {
		return errors.New("failed")
	}
	close(done)
	return nil
}

// --- must stay silent ---

func produce2(out chan<- int) { out <- compute() }

// Every path receives.
func Always() int {
	ch := make(chan int)
	go produce2(ch)
	return <-ch
}

func produce3(out chan<- int) { out <- compute() }

// Buffered for the one send: the producer never blocks.
func Buffered() (int, error) {
	ch := make(chan int, 1)
	go produce3(ch)
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}

func produceCtx(ctx context.Context, out chan<- int) {
	select {
	case out <- compute():
	case <-ctx.Done():
	}
}

// The producer has a way out.
func WayOut(ctx context.Context) (int, error) {
	ch := make(chan int)
	go produceCtx(ctx, ch)
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Second):
		return 0, errors.New("timeout")
	}
}

func produce4(out chan<- int) { out <- compute() }

var sink chan int

// The channel escapes: someone else may receive.
func Escapes(fail bool) error {
	ch := make(chan int)
	sink = ch
	go produce4(ch)
	if fail {
		return errors.New("failed")
	}
	<-ch
	return nil
}

func drain(in <-chan int) {
	for range in {
	}
}

func consume(in <-chan int) { <-in }

// Another goroutine of ours receives: nothing is stranded here.
func TwoGoroutines() {
	ch := make(chan int)
	go produce2(ch)
	go consume(ch)
}

func watcher2(done chan struct{}) { <-done }

// Closed on every path, deferred.
func WatchDefer(fail bool) error {
	done := make(chan struct{})
	defer close(done)
	go watcher2(done)
	if fail {
		return errors.New("failed")
	}
	return nil
}

// The receive loop comes back to the select until the value arrives.
func Loop(tick <-chan time.Time) int {
	ch := make(chan int)
	go produce2(ch)
	for {
		select {
		case v := <-ch:
			return v
		case <-tick:
		}
	}
}

func rangeAll(in <-chan int) {
	for range in {
	}
}

// Closed on every path after the range starts.
func Ranged(xs []int) {
	ch := make(chan int)
	go rangeAll(ch)
	for _, x := range xs {
		ch <- x
	}
	close(ch)
}

func hammer(done chan bool) { done <- true }

// Counted: as many receives as goroutines, in loops the graph may skip.
func Counted() {
	c := make(chan bool)
	for i := 0; i < 10; i++ {
		go hammer(c)
	}
	for i := 0; i < 10; i++ {
		<-c
	}
}
