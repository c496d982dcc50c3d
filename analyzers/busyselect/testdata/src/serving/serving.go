// Package serving has spinning loops the analyzer reports without a fix, and
// the correct uses of select with default that it must leave alone.
package serving

import (
	"bufio"
	"context"
	"errors"
	"sync/atomic"
	"time"
)

type Request struct{ Prompt string }

var errQueueFull = errors.New("queue full")

type Server struct {
	queue    chan Request
	results  chan string
	stopped  atomic.Bool
	dropped  int
	draining bool
}

func (s *Server) handle(Request) {}
func (s *Server) trainStep()     {}

// --- reported, no fix ---

// PollUntilStopped spins on a flag.
func (s *Server) PollUntilStopped() {
	for !s.stopped.Load() {
		select {
		case r := <-s.queue:
			s.handle(r)
		default: // want `loop spins on a select with an empty default, burning a core while no case is ready: let the select block and signal the stop on a channel or ctx`
		}
	}
}

// PollUntilCancelled spins on ctx.Err.
func (s *Server) PollUntilCancelled(ctx context.Context) {
	for ctx.Err() == nil && len(s.results) < cap(s.results) {
		select {
		case r := <-s.queue:
			s.handle(r)
		default: // want `loop spins on a select with an empty default`
		}
	}
}

// PollField spins on a plain field.
func (s *Server) PollField() {
	for !s.draining {
		select {
		case r := <-s.queue:
			s.handle(r)
		default: // want `loop spins on a select with an empty default`
		}
	}
}

// OnlyDefault has nothing but a default: deleting it would block forever.
func OnlyDefault() {
	for {
		select {
		default: // want `loop spins on a select with an empty default`
		}
	}
}

// --- silent ---

// Submit sheds load when the queue is full: a try-send outside a loop.
func (s *Server) Submit(r Request) error {
	select {
	case s.queue <- r:
		return nil
	default:
		return errQueueFull
	}
}

// TrySubmit drops the request silently when the queue is full.
func (s *Server) TrySubmit(r Request) {
	select {
	case s.queue <- r:
	default:
	}
}

// Fanout drops results a slow consumer cannot take, once per result.
func (s *Server) Fanout(outs []string) {
	for _, o := range outs {
		select {
		case s.results <- o:
		default:
		}
	}
}

// Counted tries a bounded number of times.
func (s *Server) Counted(n int) {
	for i := 0; i < n; i++ {
		select {
		case r := <-s.queue:
			s.handle(r)
		default:
		}
	}
}

// Backoff sleeps in its default.
func (s *Server) Backoff(ctx context.Context) {
	for {
		select {
		case r := <-s.queue:
			s.handle(r)
		case <-ctx.Done():
			return
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Train does a training step when no control message is waiting.
func (s *Server) Train(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		default:
			s.trainStep()
		}
	}
}

// CheckThenStep checks for cancellation between steps.
func (s *Server) CheckThenStep(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		s.trainStep()
	}
}

// Drain empties the queue and returns once it is empty.
func (s *Server) Drain() {
	for {
		select {
		case r := <-s.queue:
			s.handle(r)
		default:
			return
		}
	}
}

// DrainBreak breaks out of the loop once the queue is empty.
func (s *Server) DrainBreak() {
drain:
	for {
		select {
		case <-s.queue:
			s.dropped++
		default:
			break drain
		}
	}
}

// Stream scans lines: the loop condition blocks on input.
func (s *Server) Stream(sc *bufio.Scanner) {
	for sc.Scan() {
		select {
		case s.results <- sc.Text():
		default:
		}
	}
}

// Blocking has no default.
func (s *Server) Blocking(ctx context.Context) {
	for {
		select {
		case r := <-s.queue:
			s.handle(r)
		case <-ctx.Done():
			return
		}
	}
}

// NextRow continues an outer loop from its default.
func (s *Server) NextRow(rows [][]Request) {
outer:
	for _, row := range rows {
		for {
			select {
			case s.queue <- row[0]:
			default:
				continue outer
			}
		}
	}
}

// Receive blocks in the loop condition.
func (s *Server) Receive(ready chan bool) {
	for <-ready {
		select {
		case r := <-s.queue:
			s.handle(r)
		default:
		}
	}
}
