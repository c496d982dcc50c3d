// Package nilchan holds channels that are nil on some path to a send or a
// receive, and the shapes around them that are fine.
package nilchan

import (
	"errors"
	"log"
	"os"
	"time"
)

type Checkpointer struct {
	Async  bool
	Upload func(step int, blob []byte) error
}

// Save leaves done nil on its synchronous success path and then receives
// from it.
func (c *Checkpointer) Save(step int, blob []byte) error {
	var done chan error
	if c.Async {
		done = make(chan error, 1)
		go func() {
			done <- c.Upload(step, blob)
		}()
	} else if err := c.Upload(step, blob); err != nil {
		return err
	}
	return <-done // want `receive from done blocks forever on the path through line 26, where done is left nil \(never made\)`
}

// Publish makes its channel only for a non-empty batch, and then sends a
// marker on it whatever the batch.
func Publish(batch []float64) {
	var events chan int
	if len(batch) > 0 {
		events = make(chan int, 1)
		log.Println("publishing", len(batch))
	}
	events <- len(batch) // want `send on events blocks forever on the path through line 36, where events is left nil \(never made\)`
}

// Drain declares a channel it forgot to make.
func Drain() int {
	var results chan int
	n := 0
	for r := range results { // want `range over results blocks forever: results is a nil channel here \(it is never made\)`
		n += r
	}
	return n
}

// WaitReady receives once with a comma-ok from a channel made on one
// branch only.
func WaitReady(warm bool) bool {
	var ready chan struct{}
	if warm {
		ready = make(chan struct{})
		close(ready)
	}
	_, ok := <-ready // want `receive from ready blocks forever on a path where ready is left nil \(never made\)`
	return ok
}

// --- fine ---

// Timeout turns the timer case off with a nil channel: a select does that on
// purpose.
func Timeout(d time.Duration, done chan struct{}) bool {
	var timer <-chan time.Time
	if d > 0 {
		timer = time.After(d)
	}
	select {
	case <-timer:
		return false
	case <-done:
		return true
	}
}

// Guarded receives only under the same condition that made the channel.
func Guarded(async bool, work func() error) error {
	var done chan error
	if async {
		done = make(chan error, 1)
		go func() { done <- work() }()
	} else if err := work(); err != nil {
		return err
	}
	if async {
		return <-done
	}
	return nil
}

// NilChecked receives only from a channel it has checked.
func NilChecked(async bool) {
	var done chan struct{}
	if async {
		done = make(chan struct{})
		go func() { close(done) }()
	}
	if done != nil {
		<-done
	}
}

// Fatal exits on the branch that would leave the channel nil.
func Fatal(async bool) {
	var done chan struct{}
	if async {
		done = make(chan struct{})
		go func() { close(done) }()
	} else {
		log.Fatal("synchronous mode is gone")
	}
	<-done
}

// Exit leaves through a function of the package that never returns.
func Exit(async bool) {
	var done chan struct{}
	if async {
		done = make(chan struct{})
		go func() { close(done) }()
	} else {
		die(errors.New("synchronous mode is gone"))
	}
	<-done
}

func die(err error) {
	log.Println(err)
	os.Exit(1)
}

// Made on every branch.
func EveryBranch(n int) int {
	var out chan int
	if n > 0 {
		out = make(chan int, n)
	} else {
		out = make(chan int, 1)
	}
	out <- n
	return <-out
}

// Assigned through a pointer: not a nil constant.
func ThroughPointer(set func(*chan int)) int {
	var ch chan int
	set(&ch)
	return <-ch
}

// Lazy makes its channel on first use.
func Lazy(items []int) int {
	var ch chan int
	for _, it := range items {
		if ch == nil {
			ch = make(chan int, len(items))
		}
		ch <- it
	}
	return len(ch)
}

// SetInClosure makes the channel in a closure it calls.
func SetInClosure() int {
	var ch chan int
	setup := func() { ch = make(chan int, 1) }
	setup()
	ch <- 1
	return <-ch
}

// Handoff hands the channel to a goroutine on the asynchronous path only,
// and sends on it whatever the path. A limit: not reported, because the
// path that leaves out nil meets the loop's condition before the send, and
// a condition after the merge is taken to be one that may tell the paths
// apart.
func Handoff(async bool, results []int) {
	var out chan int
	if async {
		out = make(chan int)
		go func() {
			for r := range out {
				_ = r
			}
		}()
	}
	for _, r := range results {
		out <- r
	}
}

// EveryMode switches over the values its loop takes: no default is needed.
func EveryMode() {
	for mode := 0; mode < 2; mode++ {
		var c chan int
		switch mode {
		case 0:
			c = make(chan int, 1)
		case 1:
			c = make(chan int, 2)
		}
		c <- mode
		<-c
	}
}

// Modes switches over the modes it knows, with a default that leaves the
// channel nil.
func Modes(mode string) int {
	var c chan int
	switch mode {
	case "async":
		c = make(chan int, 1)
		c <- 1
	default:
		log.Println("unknown mode", mode)
	}
	return <-c // want `receive from c blocks forever on the path through line 222, where c is left nil \(never made\)`
}
