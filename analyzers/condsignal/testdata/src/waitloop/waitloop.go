// Package waitloop batches inference requests.
package waitloop

import "sync"

type batcher struct {
	mu    sync.Mutex
	cond  *sync.Cond
	queue []string
	full  bool
}

// next waits once: a Signal sent before it is lost.
func (b *batcher) next() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.cond.Wait() // want `b.cond.Wait is not in a loop: the condition is not checked again when it returns, and a Signal sent before it is lost`
	}
	s := b.queue[0]
	b.queue = b.queue[1:]
	return s
}

// waitFull waits with no condition at all.
func (b *batcher) waitFull() {
	b.mu.Lock()
	b.cond.Wait() // want `b.cond.Wait is not in a loop`
	b.mu.Unlock()
}

func (b *batcher) push(s string) {
	b.mu.Lock()
	b.queue = append(b.queue, s)
	b.full = len(b.queue) >= 8
	b.mu.Unlock()
	b.cond.Broadcast()
}

// ---- silent ----

// take waits in a loop over the condition.
func (b *batcher) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) == 0 {
		b.cond.Wait()
	}
	s := b.queue[0]
	b.queue = b.queue[1:]
	return s
}

// sleep wraps the Wait; every caller loops over the condition.
func (b *batcher) sleep() { b.cond.Wait() }

func (b *batcher) takeFull() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.full {
		b.sleep()
	}
	q := b.queue
	b.queue, b.full = nil, false
	return q
}

// retrieve loops with a goto: a loop all the same.
func (b *batcher) retrieve() string {
	b.mu.Lock()
retry:
	if len(b.queue) > 0 {
		s := b.queue[0]
		b.queue = b.queue[1:]
		b.mu.Unlock()
		return s
	}
	b.cond.Wait()
	goto retry
}
