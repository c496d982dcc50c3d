package named

import (
	"errors"
	"time"
)

type replica struct{ addr string }

func (r *replica) ask(q int, out chan<- int) { out <- q + len(r.addr) }

// The first replica to answer wins; the others wait for ever.
func Fastest(rs []*replica, q int) int {
	out := make(chan int)
	for _, r := range rs {
		go r.ask(q, out) // want `goroutines ask started in a loop each send once on the unbuffered channel passed as out, but Fastest receives only one value \(line 18\): the remaining senders block forever`
	}
	return <-out
}

func FastestWithin(rs []*replica, q int, d time.Duration) (int, error) {
	out := make(chan int)
	for _, r := range rs {
		go r.ask(q, out) // want `goroutines ask started in a loop each send once`
	}
	select {
	case v := <-out:
		return v, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

// ---- silent ----

// A buffer for every replica: the losers' sends complete.
func FastestBuffered(rs []*replica, q int) int {
	out := make(chan int, len(rs))
	for _, r := range rs {
		go r.ask(q, out)
	}
	return <-out
}

// Every answer is received, counted in a loop.
func All(rs []*replica, q int) []int {
	out := make(chan int)
	for _, r := range rs {
		go r.ask(q, out)
	}
	var got []int
	for range rs {
		got = append(got, <-out)
	}
	return got
}

// Each goroutine is waited for before the next starts.
func OneByOne(rs []*replica, q int) int {
	sum := 0
	for _, r := range rs {
		out := make(chan int)
		go r.ask(q, out)
		sum += <-out
	}
	return sum
}
