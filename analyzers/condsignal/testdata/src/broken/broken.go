// Package broken has type errors: the analyzer must not panic on it, and
// still reports what it can see.
package broken

import "sync"

type box struct {
	mu   sync.Mutex
	cond *sync.Cond
	v    undefinedType
}

func (b *box) get() {
	b.mu.Lock()
	b.cond.Wait() // want `b.cond.Wait is not in a loop`
	b.mu.Unlock()
	missing.Wait()
}

func (b *box) put(v int) {
	b.v = v
	b.cond.Signal(v)
	undefinedCond.Broadcast()
}
