// Package earlyexit holds spawners that receive a known number of values in
// a loop and may leave it before the last one: on an error, on a bad
// value, on ctx.Done(). The senders still to come block forever unless the
// channel holds them all or they can give up.
package earlyexit

import (
	"context"
	"errors"
)

var errNegative = errors.New("negative score")

// scoreOne is a named sender: one value per goroutine, no way out.
func scoreOne(x int, out chan<- int) {
	out <- x * 2 // want `goroutines scoreOne started in a loop block forever on send on out when ScoreAll leaves its receive loop and returns at line 30`
}

// ScoreAll returns on the first bad value: the scorers not yet received
// from stay blocked.
func ScoreAll(items []int) (int, error) {
	out := make(chan int)
	for _, it := range items {
		go scoreOne(it, out)
	}
	sum := 0
	for range items {
		v := <-out
		if v < 0 {
			return 0, errNegative
		}
		sum += v
	}
	return sum, nil
}

func rank(x int, out chan<- int) {
	out <- x // want `goroutines rank started in a loop block forever on send on out when RankAll leaves its receive loop and returns at line 53`
}

// RankAll gives up on ctx.Done(); rank cannot.
func RankAll(ctx context.Context, items []int) ([]int, error) {
	out := make(chan int)
	for _, it := range items {
		go rank(it, out)
	}
	var res []int
	for range items {
		select {
		case v := <-out:
			res = append(res, v)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return res, nil
}

func embed(jobs <-chan int, out chan<- int) {
	for j := range jobs {
		out <- j // want `goroutines embed started in a loop block forever on send on out when EmbedAll leaves its receive loop and returns at line 82`
	}
}

// EmbedAll runs a pool of workers that each send many values; it stops
// receiving on the first error while workers and the feeder still run.
func EmbedAll(items []int) (int, error) {
	jobs := make(chan int)
	out := make(chan int)
	for i := 0; i < 4; i++ {
		go embed(jobs, out)
	}
	go feed(items, jobs)
	total := 0
	for i := 0; i < len(items); i++ {
		v := <-out
		if v > 1<<20 {
			break
		}
		total += v
	}
	return total, nil
}

func feed(items []int, jobs chan<- int) {
	for _, it := range items {
		jobs <- it
	}
	close(jobs)
}

func tokenize(x int, out chan<- int) { out <- x }

// TokenizeAll leaves once it has counted every value: the exit is the end.
func TokenizeAll(items []int) []int {
	out := make(chan int)
	for _, it := range items {
		go tokenize(it, out)
	}
	var res []int
	got := 0
	for {
		v := <-out
		res = append(res, v)
		got++
		if got == len(items) {
			return res
		}
	}
}

func normalize(x int, out chan<- int) { out <- x }

// NormalizeAll keeps receiving after the first error: every sender is
// received from.
func NormalizeAll(items []int) error {
	out := make(chan int)
	for _, it := range items {
		go normalize(it, out)
	}
	var err error
	for range items {
		if v := <-out; v < 0 && err == nil {
			err = errNegative
		}
	}
	return err
}

func clip(x int, out chan<- int) { out <- x }

// ClipAll gives every sender a slot: leaving early strands nobody.
func ClipAll(items []int) (int, error) {
	out := make(chan int, len(items))
	for _, it := range items {
		go clip(it, out)
	}
	sum := 0
	for range items {
		v := <-out
		if v < 0 {
			return 0, errNegative
		}
		sum += v
	}
	return sum, nil
}

func quantize(x int, out chan<- int) { out <- x }

// QuantizeAll drains what is left before it returns the error.
func QuantizeAll(items []int) (int, error) {
	out := make(chan int)
	for _, it := range items {
		go quantize(it, out)
	}
	sum := 0
	for i := range items {
		v := <-out
		if v < 0 {
			for range items[i+1:] {
				<-out
			}
			return 0, errNegative
		}
		sum += v
	}
	return sum, nil
}

// The same shapes with goroutine literals.

// LiteralFirstBad returns on a bad value: a comparison of the received
// value is no count.
func LiteralFirstBad(items []int) (int, error) {
	out := make(chan int)
	for _, it := range items {
		go func(x int) {
			out <- x * 2 // want `goroutines started in a loop send on unbuffered channel out, but the receive loop returns at line 186 before receiving from all of them`
		}(it)
	}
	sum := 0
	for range items {
		v := <-out
		if v < 0 {
			return 0, errNegative
		}
		sum += v
	}
	return sum, nil
}

// LiteralCounted stops when it has counted every value.
func LiteralCounted(items []int) int {
	out := make(chan int)
	for _, it := range items {
		go func(x int) { out <- x }(it)
	}
	sum, n := 0, 0
	for {
		sum += <-out
		n++
		if n == len(items) {
			return sum
		}
	}
}
