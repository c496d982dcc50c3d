// Package wakesone holds Conds signalled with Signal after a change that
// releases every waiter, and the right uses of Signal next to them.
package wakesone

import "sync"

// Queue hands batches to consumers.
type Queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  [][]float32
	closed bool
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Push hands over one batch: one waiter takes it, Signal is right.
func (q *Queue) Push(b []float32) {
	q.mu.Lock()
	q.items = append(q.items, b)
	q.mu.Unlock()
	q.cond.Signal()
}

// Pop waits for a batch or the close.
func (q *Queue) Pop() ([]float32, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return nil, false
	}
	b := q.items[0]
	q.items = q.items[1:]
	return b, true
}

// Close must wake every consumer.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Signal() // want `Signal wakes one waiter, but the change before it \(closed\) releases every waiter and none takes it back`
}

// Barrier releases n workers at once.
type Barrier struct {
	mu      sync.Mutex
	cond    *sync.Cond
	n, in   int
	gen     int
	relayed int
}

func NewBarrier(n int) *Barrier {
	b := &Barrier{n: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// Await wakes only one of the n-1 waiting workers.
func (b *Barrier) Await() {
	b.mu.Lock()
	defer b.mu.Unlock()
	g := b.gen
	b.in++
	if b.in == b.n {
		b.in = 0
		b.gen++
		b.cond.Signal() // want `Signal wakes one waiter, but the change before it \(gen\) releases every waiter`
		return
	}
	for g == b.gen {
		b.cond.Wait()
	}
}

// Relay is a barrier whose woken worker wakes the next: one Signal per
// waiter, fine.
type Relay struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func NewRelay() *Relay {
	r := &Relay{}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *Relay) Open() {
	r.mu.Lock()
	r.open = true
	r.mu.Unlock()
	r.cond.Signal()
}

func (r *Relay) Wait() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for !r.open {
		r.cond.Wait()
	}
	r.cond.Signal()
}

// Pool hands out one slot per Signal, and closes with Broadcast.
type Pool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	free   int
	closed bool
}

func NewPool(n int) *Pool {
	p := &Pool{free: n}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *Pool) Get() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.free == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return false
	}
	p.free--
	return true
}

// Put returns a slot: Signal is right; the close in the other branch is
// broadcast.
func (p *Pool) Put(closing bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if closing {
		p.closed = true
		p.cond.Broadcast()
		return
	}
	p.free++
	p.cond.Signal()
}

// Flusher has one waiter by construction: the loop goroutine New starts.
type Flusher struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending int
	stopped bool
}

func NewFlusher() *Flusher {
	f := &Flusher{}
	f.cond = sync.NewCond(&f.mu)
	go f.loop()
	return f
}

func (f *Flusher) loop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		for f.pending == 0 && !f.stopped {
			f.cond.Wait()
		}
		if f.stopped {
			return
		}
		f.pending = 0
	}
}

// Stop wakes the one loop: Signal is enough.
func (f *Flusher) Stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.cond.Signal()
}

// Pipe frees room by a computed amount: the woken writer takes it.
type Pipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	r, w   int
	buf    []byte
	closed bool
}

func NewPipe(n int) *Pipe {
	p := &Pipe{buf: make([]byte, n)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *Pipe) Read(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.r += n
	p.cond.Signal()
}

func (p *Pipe) Write(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.w-p.r+n > len(p.buf) && !p.closed {
		p.cond.Wait()
	}
	p.w += n
}
