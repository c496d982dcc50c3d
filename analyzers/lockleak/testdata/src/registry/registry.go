package registry

import (
	"errors"
	"os"
	"sync"
)

type Model struct{ name string }

type Registry struct {
	mu     sync.Mutex
	rw     sync.RWMutex
	models map[string]*Model
	closed bool
}

// Load leaks r.mu on the cache hit.
func (r *Registry) Load(name string) (*Model, error) {
	r.mu.Lock()
	if m, ok := r.models[name]; ok {
		return m, nil // want `r.mu is still locked at this return \(locked at line 20\), though other paths call r.mu.Unlock: the next r.mu.Lock waits forever`
	}
	m := &Model{name: name}
	r.models[name] = m
	r.mu.Unlock()
	return m, nil
}

// Count leaks the read lock on an early return.
func (r *Registry) Count(n int) int {
	r.rw.RLock()
	if n == 0 {
		return 0 // want `r.rw is still read-locked at this return`
	}
	c := len(r.models)
	r.rw.RUnlock()
	return c
}

// Poll breaks out of its loop with the lock held.
func (r *Registry) Poll() {
	for {
		r.mu.Lock()
		if r.closed {
			break
		}
		r.mu.Unlock()
	}
} // want `r.mu is still locked when the function ends`

// Evict leaks on the error path of a switch.
func (r *Registry) Evict(name string) error {
	r.mu.Lock()
	switch {
	case name == "":
		return errors.New("no name") // want `r.mu is still locked at this return`
	case r.closed:
		r.mu.Unlock()
		return os.ErrClosed
	}
	delete(r.models, name)
	r.mu.Unlock()
	return nil
}

// unlock releases r.mu for its caller.
func (r *Registry) unlock() { r.mu.Unlock() }

// Rename releases through a helper on one path only.
func (r *Registry) Rename(a, b string) bool {
	r.mu.Lock()
	m, ok := r.models[a]
	if !ok {
		return false // want `r.mu is still locked at this return`
	}
	r.models[b] = m
	r.unlock()
	return true
}

// A goroutine's literal is checked as a function of its own.
func (r *Registry) Watch(ch chan string) {
	go func() {
		for name := range ch {
			r.mu.Lock()
			if name == "" {
				return // want `r.mu is still locked at this return`
			}
			delete(r.models, name)
			r.mu.Unlock()
		}
	}()
}
