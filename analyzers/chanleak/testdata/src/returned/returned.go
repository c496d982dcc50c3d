package returned

import (
	"context"
	"errors"
	"time"
)

type Batch struct{ ID int }

// Batches is a generator: its goroutine sends every batch, then closes.
func Batches(n int) <-chan Batch {
	out := make(chan Batch)
	go func() {
		for i := 0; i < n; i++ {
			out <- Batch{i}
		}
		close(out)
	}()
	return out
}

// score returns a channel its goroutine sends one result on.
func score(b Batch) <-chan float64 {
	out := make(chan float64)
	go func() { out <- float64(b.ID) }()
	return out
}

func FirstLarge(n, min int) (Batch, bool) {
	for b := range Batches(n) { // want `the goroutine started by Batches blocks forever on its next send on the channel it returns when FirstLarge returns at line 33: it stops receiving before the channel is closed`
		if b.ID >= min {
			return b, true
		}
	}
	return Batch{}, false
}

func UntilBreak(n, min int) int {
	last := -1
	for b := range Batches(n) { // want `the goroutine started by Batches blocks forever on its next send`
		if b.ID >= min {
			break
		}
		last = b.ID
	}
	return last
}

func Head(n int) Batch {
	ch := Batches(n) // want `the goroutine started by Batches blocks forever on its next send`
	return <-ch
}

func Peek(n int) (Batch, error) {
	ch := Batches(n) // want `the goroutine started by Batches blocks forever on its next send`
	b, ok := <-ch
	if !ok {
		return Batch{}, errors.New("empty")
	}
	return b, nil
}

func ScoreUnlessSkipped(b Batch, skip bool) float64 {
	ch := score(b) // want `the goroutine started by score blocks forever on its send on the channel it returns when ScoreUnlessSkipped returns at line 67: nothing receives from it on that path`
	if skip {
		return 0
	}
	return <-ch
}

func ScoreWithin(b Batch, d time.Duration) (float64, error) {
	ch := score(b) // want `the goroutine started by score blocks forever on its send on the channel it returns when ScoreWithin returns at line 78`
	select {
	case s := <-ch:
		return s, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

// ---- silent ----

// Every batch is received: the range ends when the generator closes.
func Sum(n int) int {
	total := 0
	for b := range Batches(n) {
		if b.ID < 0 {
			continue
		}
		total += b.ID
	}
	return total
}

// The loop breaks, but the rest is drained before returning.
func FirstThenDrain(n, min int) int {
	found := -1
	ch := Batches(n)
	for b := range ch {
		if b.ID >= min {
			found = b.ID
			break
		}
	}
	for range ch {
	}
	return found
}

// An explicit receive loop that stops only when the channel is closed.
func Explicit(n int) int {
	ch := Batches(n)
	count := 0
	for {
		_, ok := <-ch
		if !ok {
			return count
		}
		count++
	}
}

// As many receives as sends, counted in a loop.
func Counted(n int) []Batch {
	ch := Batches(n)
	out := make([]Batch, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, <-ch)
	}
	return out
}

func drain(ch <-chan Batch) int {
	n := 0
	for range ch {
		n++
	}
	return n
}

// Handed to a function that drains it.
func Handed(n int) int { return drain(Batches(n)) }

// Returned: the caller's to drain.
func Pass(n int) <-chan Batch {
	ch := Batches(n)
	return ch
}

// Stored in a field: out of this function's sight.
type holder struct{ ch <-chan Batch }

func (h *holder) Keep(n int) { h.ch = Batches(n) }

// A single send, received on every path.
func ScoreAlways(b Batch, skip bool) float64 {
	ch := score(b)
	s := <-ch
	if skip {
		return 0
	}
	return s
}

// The generator stops when its context ends: it has a way out.
func BatchesCtx(ctx context.Context, n int) <-chan Batch {
	out := make(chan Batch)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			select {
			case out <- Batch{i}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func FirstCtx(ctx context.Context, n int) Batch {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range BatchesCtx(ctx, n) {
		return b
	}
	return Batch{}
}

// A buffer for the one result: the send never blocks.
func scoreBuffered(b Batch) <-chan float64 {
	out := make(chan float64, 1)
	go func() { out <- float64(b.ID) }()
	return out
}

func ScoreBufferedWithin(b Batch, d time.Duration) (float64, error) {
	select {
	case s := <-scoreBuffered(b):
		return s, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

// Stream fails before it starts its goroutine: on the error path there is
// no goroutine to strand.
func Stream(n int) (<-chan Batch, error) {
	if n < 0 {
		return nil, errors.New("negative")
	}
	out := make(chan Batch)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			out <- Batch{i}
		}
	}()
	return out, nil
}

func CountStream(n int) (int, error) {
	ch, err := Stream(n)
	if err != nil {
		return 0, err
	}
	count := 0
	for range ch {
		count++
	}
	return count, nil
}

func FirstOfStream(n int) (Batch, error) {
	ch, err := Stream(n) // want `the goroutine started by Stream blocks forever on its next send on the channel it returns when FirstOfStream returns at line 240`
	if err != nil {
		return Batch{}, err
	}
	return <-ch, nil
}
