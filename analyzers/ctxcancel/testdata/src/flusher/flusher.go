// Package flusher runs background goroutines of a training job: metrics
// flushers, gradient consumers, checkpoint writers. Each needs an exit.
package flusher

import (
	"context"
	"log"
	"net"
	"time"
)

type Metrics struct{ Loss float64 }

type Sink interface{ Flush(Metrics) error }

// startFlusher sleeps and flushes forever.
func startFlusher(s Sink, m *Metrics) {
	go func() { // want `goroutine never exits: its for \{\} has no return, break, ctx\.Done\(\) or stop-channel case`
		for {
			_ = s.Flush(*m)
			time.Sleep(10 * time.Second)
		}
	}()
}

// consumeGradients receives forever: nothing ends it, not even closing ch
// (a closed channel yields zero values forever).
func consumeGradients(ch chan []float32, apply func([]float32)) {
	go func() { // want `goroutine never exits`
		for {
			g := <-ch
			apply(g)
		}
	}()
}

// tickFlusher ranges over a ticker: its channel is never closed.
func tickFlusher(s Sink, m *Metrics) {
	t := time.NewTicker(time.Second)
	go func() { // want `goroutine never exits: its range over a ticker has no return`
		for range t.C {
			_ = s.Flush(*m)
		}
	}()
}

// selectForever has a select whose break only leaves the select.
func selectForever(losses <-chan float64, s Sink) {
	go func() { // want `goroutine never exits`
		var last float64
		for {
			select {
			case l := <-losses:
				last = l
				if l < 0 {
					break
				}
			case <-time.After(time.Second):
				_ = s.Flush(Metrics{Loss: last})
			}
		}
	}()
}

// labelledContinue only continues its own loop.
func labelledContinue(batches chan []int) {
	go func() { // want `goroutine never exits`
	loop:
		for {
			for _, b := range <-batches {
				if b < 0 {
					continue loop
				}
			}
		}
	}()
}

// ---- silent: correct versions and near misses ----

// flusherOK stops on ctx.Done().
func flusherOK(ctx context.Context, s Sink, m *Metrics) {
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = s.Flush(*m)
			}
		}
	}()
}

// flusherStop stops on a stop channel.
func flusherStop(stop <-chan struct{}, s Sink, m *Metrics) {
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				_ = s.Flush(*m)
			}
		}
	}()
}

// consumeOK ranges over the channel: it ends when ch is closed.
func consumeOK(ch <-chan []float32, apply func([]float32)) {
	go func() {
		for g := range ch {
			apply(g)
		}
	}()
}

// consumeCommaOK returns when ch is closed.
func consumeCommaOK(ch <-chan []float32, apply func([]float32)) {
	go func() {
		for {
			g, ok := <-ch
			if !ok {
				return
			}
			apply(g)
		}
	}()
}

// acceptLoop returns when the listener is closed.
func acceptLoop(ln net.Listener, handle func(net.Conn)) {
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(conn)
		}
	}()
}

// breakOut leaves its loop with a labelled break from inside a select.
func breakOut(results <-chan float64, done func()) {
	go func() {
	loop:
		for {
			select {
			case r := <-results:
				if r > 0.99 {
					break loop
				}
			}
		}
		done()
	}()
}

// breakPlain leaves its loop with a plain break.
func breakPlain(next func() (float64, bool)) {
	go func() {
		for {
			v, more := next()
			if !more {
				break
			}
			_ = v
		}
	}()
}

// fatal ends the process when the checkpoint writer fails.
func fatal(write func() error) {
	go func() {
		for {
			if err := write(); err != nil {
				log.Fatalf("write checkpoint: %v", err)
			}
		}
	}()
}

// bounded loops a condition that can become false.
func bounded(steps int, step func()) {
	go func() {
		for i := 0; i < steps; i++ {
			step()
		}
	}()
}

// namedWorker starts a named function: not a literal, not checked.
func namedWorker(ch chan int) {
	go work(ch)
}

func work(ch chan int) {
	for {
		<-ch
	}
}

// inner's forever loop belongs to a nested func literal, not the goroutine.
func inner(run func(func())) {
	go func() {
		run(func() {
			for {
				time.Sleep(time.Second)
			}
		})
	}()
}
