// Package edge holds unusual shapes the analyzer must walk without
// panicking or reporting.
package edge

import (
	"context"
	"time"
)

type Tensor []float32

type pair struct{ in, out chan Tensor }

// Generic fan-in over any element type.
func Collect[T any](n int, f func(int) T) []T {
	ch := make(chan T, n)
	for i := 0; i < n; i++ {
		go func() { ch <- f(i) }()
	}
	out := make([]T, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, <-ch)
	}
	return out
}

// Nested goroutines: the analysis does not follow them.
func Nested(ctx context.Context, xs []Tensor) {
	ch := make(chan Tensor)
	go func() {
		for _, x := range xs {
			go func() { ch <- x }()
		}
	}()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// Channels of channels and channels in structs escape.
func Reply(ctx context.Context, reqs chan<- chan Tensor) Tensor {
	reply := make(chan Tensor)
	reqs <- reply
	p := pair{in: make(chan Tensor), out: reply}
	_ = p
	select {
	case t := <-reply:
		return t
	case <-time.After(time.Second):
		return nil
	}
}

// Labels, gotos and labeled continues around a select.
func Labels(ctx context.Context, xs []Tensor) int {
	ch := make(chan int, 1)
	go func() { ch <- len(xs) }()
	n := 0
outer:
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if j == i {
				continue outer
			}
			select {
			case v := <-ch:
				n += v
				goto done
			case <-ctx.Done():
				break outer
			}
		}
	}
done:
	return n
}

// Variadic literal and a method value: the channel escapes.
func Variadic(xs ...Tensor) {
	ch := make(chan Tensor)
	go func(chs ...chan Tensor) {
		for _, c := range chs {
			c <- nil
		}
	}(ch)
	send := func(t Tensor) { ch <- t }
	_ = send
}

// Self-contained loop with a nil channel disabling a case.
func Disable(ctx context.Context, a Tensor) {
	ch := make(chan Tensor)
	go func() { ch <- a }()
	for ch != nil {
		select {
		case <-ch:
			ch = nil
		case <-ctx.Done():
			return
		}
	}
}

// The main body sends and the goroutine receives: not a sender check.
func Reverse(ctx context.Context, xs []Tensor) {
	ch := make(chan Tensor)
	go func() {
		for range ch {
		}
	}()
	for _, x := range xs {
		select {
		case ch <- x:
		case <-ctx.Done():
			close(ch)
			return
		}
	}
	close(ch)
}

// Recursive fan-out through the function itself.
func Tree(depth int) int {
	if depth == 0 {
		return 1
	}
	ch := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() { ch <- Tree(depth - 1) }()
	}
	return <-ch + <-ch
}
