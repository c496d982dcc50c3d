// Package unlocktwice unlocks explicitly what a defer unlocks too.
package unlocktwice

import (
	"errors"
	"sync"
)

type Registry struct {
	mu     sync.RWMutex
	models map[string][]float32
}

// Drop unlocks early on a miss and the defer unlocks again.
func (r *Registry) Drop(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.models[name]; !ok {
		r.mu.Unlock() // want `r.mu is unlocked here though its Unlock is deferred \(line 17\): the deferred Unlock runs again at the return on line 20`
		return false
	}
	delete(r.models, name)
	return true
}

// Get read-unlocks twice on the error path, through a deferred literal.
func (r *Registry) Get(name string) ([]float32, error) {
	r.mu.RLock()
	defer func() { r.mu.RUnlock() }()
	w, ok := r.models[name]
	if !ok {
		r.mu.RUnlock() // want `r.mu is unlocked here though its RUnlock is deferred`
		return nil, errors.New("no model")
	}
	return w, nil
}

// Reload releases the lock around the slow load and takes it back: the
// deferred Unlock finds it held.
func (r *Registry) Reload(name string, load func() []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.Unlock()
	w := load()
	r.mu.Lock()
	r.models[name] = w
}

// unlockAfter releases the caller's lock when it is done.
func (r *Registry) unlockAfter(name string) {
	defer r.mu.Unlock()
	delete(r.models, name)
}

// Evict unlocks only once, on every path.
func (r *Registry) Evict(name string) bool {
	r.mu.Lock()
	if _, ok := r.models[name]; !ok {
		r.mu.Unlock()
		return false
	}
	delete(r.models, name)
	r.mu.Unlock()
	return true
}

// Forget defers a critical section of its own, and unlocks its first one
// explicitly: two locks, two unlocks.
func (r *Registry) Forget(name string, wait func() error) error {
	r.mu.Lock()
	r.models[name] = nil
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.models, name)
		r.mu.Unlock()
	}()
	if err := wait(); err != nil {
		r.mu.Lock()
		_ = r.models[name]
		r.mu.Unlock()
		return err
	}
	return nil
}
