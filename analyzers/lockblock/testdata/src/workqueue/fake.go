package workqueue

import "sync"

// lister has an interface with an implementation that does not wait.
type Lister interface{ List() []string }

type waitingLister struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
}

func (l *waitingLister) List() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.items) == 0 {
		l.cond.Wait()
	}
	return l.items
}

type staticLister struct{ items []string }

func (l staticLister) List() []string { return l.items }

type index struct {
	mu sync.Mutex
	l  Lister
	n  int
}

// refresh calls List under its lock; not every List waits.
func (x *index) refresh() {
	x.mu.Lock()
	x.n = len(x.l.List())
	x.mu.Unlock()
}

// buffer waits for room only when its caller asks it to.
type buffer struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
	max   int
}

func (b *buffer) push(x int, wait bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if wait {
		for len(b.items) >= b.max {
			b.cond.Wait()
		}
	}
	b.items = append(b.items, x)
}

type producer struct {
	mu  sync.Mutex
	buf *buffer
}

// force pushes without waiting, under its own lock.
func (p *producer) force(x int) {
	p.mu.Lock()
	p.buf.push(x, false)
	p.mu.Unlock()
}

// fail goes through a helper that does more than wrap a waiting call:
// the chain is not followed.
func (p *producer) fail(xs []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settle(xs)
}

func (p *producer) settle(xs []int) {
	for _, x := range xs {
		if x < 0 {
			continue
		}
		p.buf.push(x, true)
	}
}
