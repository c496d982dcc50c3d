// Package overfill holds buffered channels filled beyond their buffer
// before anything that could receive from them exists, and the near misses
// that must stay silent.
package overfill

import (
	"context"
	"sync"
)

type Batch struct{ xs []float32 }

func load(i int) Batch { return Batch{} }

func consume(ch chan Batch) {
	for range ch {
	}
}

// --- The bug, in several shapes.

// Two warm-up batches into a buffer of one, the consumer started after.
func Warmup() {
	batches := make(chan Batch, 1)
	batches <- load(0)
	batches <- load(1) // want `send on batches blocks forever: its buffer \(1\) is full from line 25 and nothing receives before the goroutine started at line 27`
	go consume(batches)
}

// A prefetch queue whose Start primes it before starting its worker
// (Cockroach24808's shape).
type Prefetcher struct {
	queue chan Batch
	stop  chan struct{}
	wg    sync.WaitGroup
}

func (p *Prefetcher) Start(ctx context.Context) {
	p.queue <- load(-1)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.queue:
			case <-ctx.Done():
				return
			}
		}
	}()
}

func Train(ctx context.Context) {
	p := &Prefetcher{queue: make(chan Batch, 1), stop: make(chan struct{})}
	p.queue <- load(0)
	p.Start(ctx) // want `p.Start blocks forever on its send on p.queue \(line 39\): the buffer \(1\) of p.queue is full from line 55 and nothing receives before the goroutine started at line 41`
	p.wg.Wait()
}

// A helper of the package fills the buffer itself.
func prime(ch chan Batch, n int) {
	ch <- load(n)
	ch <- load(n + 1)
}

func Prime() {
	ch := make(chan Batch, 1)
	prime(ch, 0) // want `prime blocks forever on its send on ch \(line 63\): the buffer \(1\) of ch is full from line 62 and nothing receives before the goroutine started at line 69`
	go consume(ch)
}

// An unbuffered ready channel signalled before its waiter starts.
func Signal(model string) {
	ready := make(chan string)
	ready <- model // want `send on ready blocks forever: it is unbuffered and nothing receives before the goroutine started at line 76`
	go func() {
		if m := <-ready; m != "" {
			println(m)
		}
	}()
}

// Both branches send, then one more.
func Branches(cached bool) {
	results := make(chan float32, 1)
	if cached {
		results <- 1
	} else {
		results <- 2
	}
	results <- 3 // want `send on results blocks forever: its buffer \(1\) is full from line \d+ and nothing else can receive from it`
}

// A select with the send as its only case is a send.
func OneCase() {
	ch := make(chan int, 1)
	ch <- 1
	select {
	case ch <- 2: // want `send on ch blocks forever: its buffer \(1\) is full from line 97 and nothing receives before the goroutine started at line 101`
	}
	go func() { <-ch }()
}

// --- Near misses: each must stay silent.

// The consumer starts before the second send.
func receiverFirst() {
	batches := make(chan Batch, 1)
	batches <- load(0)
	go consume(batches)
	batches <- load(1)
}

// A receive between the sends.
func receiveBetween() Batch {
	ch := make(chan Batch, 1)
	ch <- load(0)
	b := <-ch
	ch <- load(1)
	return b
}

// The buffer holds both.
func bigEnough() {
	ch := make(chan Batch, 2)
	ch <- load(0)
	ch <- load(1)
	go consume(ch)
}

var registry []chan Batch

// The channel is handed to other code before the sends.
func escapes() {
	ch := make(chan Batch, 1)
	registry = append(registry, ch)
	ch <- load(0)
	ch <- load(1)
}

// A loop of unknown length: it may send once.
func loop(n int) {
	ch := make(chan Batch, 1)
	for i := 0; i < n; i++ {
		ch <- load(i)
	}
	go consume(ch)
}

// A select with a default never blocks.
func withDefault() {
	ch := make(chan Batch, 1)
	ch <- load(0)
	select {
	case ch <- load(1):
	default:
	}
	go consume(ch)
}

// The second send is guarded by the buffer's fill.
func guarded() {
	ch := make(chan Batch, 1)
	ch <- load(0)
	if len(ch) < cap(ch) {
		ch <- load(1)
	}
	go consume(ch)
}

// A new channel each time round the loop: one send each (and dropped:
// wasteful, not blocked).
func perIteration(n int) {
	for i := 0; i < n; i++ {
		ch := make(chan Batch, 1)
		ch <- load(i)
	}
}

var queues []*Prefetcher

// The holder is registered before its channel is made and filled.
func holderEscapes(ctx context.Context) {
	p := &Prefetcher{stop: make(chan struct{})}
	queues = append(queues, p)
	p.queue = make(chan Batch, 1)
	p.queue <- load(0)
	p.queue <- load(1)
}

// A Start that starts its worker before it sends.
type Server struct {
	reqs chan int
}

func (s *Server) Start() {
	go func() {
		for range s.reqs {
		}
	}()
	s.reqs <- 0
}

func serve() {
	s := &Server{reqs: make(chan int, 1)}
	s.reqs <- 1
	s.Start()
}

// A helper that starts the consumer on one path only before it sends: the
// send blocks when async is false, but once a path may have started a
// receiver, the rule counts no further.
func maybeStart(ch chan Batch, async bool) {
	if async {
		go consume(ch)
	}
	ch <- load(1)
}

func conditional(async bool) {
	ch := make(chan Batch, 1)
	ch <- load(0)
	maybeStart(ch, async)
}

// A helper that sends on one path only: the call blocks when extra is
// set; the rule reports a call only when every path through the callee
// blocks.
func maybeSend(ch chan Batch, extra bool) {
	if extra {
		ch <- load(1)
	}
}

func conditionalSend(extra bool) {
	ch := make(chan Batch, 1)
	ch <- load(0)
	maybeSend(ch, extra)
	go consume(ch)
}

// The same priming Start as Train's, with room for both batches: a
// callee's flow is decided for one buffer size, not reused for another.
func trainRoomy(ctx context.Context) {
	p := &Prefetcher{queue: make(chan Batch, 2), stop: make(chan struct{})}
	p.queue <- load(0)
	p.Start(ctx)
	p.wg.Wait()
}
