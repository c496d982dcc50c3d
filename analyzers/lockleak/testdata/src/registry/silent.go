package registry

import "sync"

// Every branch unlocks.
func (r *Registry) Has(name string) bool {
	r.mu.Lock()
	if _, ok := r.models[name]; ok {
		r.mu.Unlock()
		return true
	}
	r.mu.Unlock()
	return false
}

// defer covers every return.
func (r *Registry) Get(name string) *Model {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" {
		return nil
	}
	return r.models[name]
}

// A deferred literal unlocks.
func (r *Registry) Size() int {
	r.rw.RLock()
	defer func() {
		r.rw.RUnlock()
	}()
	return len(r.models)
}

// lock is a helper: every path returns holding r.mu, and it never unlocks.
func (r *Registry) lock() { r.mu.Lock() }

// lockIfOpen locks and says so; its caller unlocks.
func (r *Registry) lockIfOpen() bool {
	if r.closed {
		return false
	}
	r.mu.Lock()
	return true
}

type entry struct {
	mu  sync.Mutex
	val int
}

// acquire hands the locked entry to its caller.
func acquire(es map[string]*entry, k string) *entry {
	e := es[k]
	if e == nil {
		return nil
	}
	e.mu.Lock()
	if e.val < 0 {
		e.mu.Unlock()
		return nil
	}
	return e
}

// A lock released by the goroutine made here is handed off.
func (r *Registry) Background(work func()) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	go func() {
		defer r.mu.Unlock()
		work()
	}()
}

// Paths that panic do not return.
func (r *Registry) MustGet(name string) *Model {
	r.mu.Lock()
	m, ok := r.models[name]
	if !ok {
		panic("no model " + name)
	}
	r.mu.Unlock()
	return m
}

// relock is called with r.mu held: it releases it around slow work.
func (r *Registry) relock(slow func()) {
	r.mu.Unlock()
	slow()
	r.mu.Lock()
}

// LockedLoad returns with r.mu locked when it finds the model; the caller
// must unlock.
func (r *Registry) LockedLoad(name string) *Model {
	r.mu.Lock()
	if m := r.models[name]; m != nil {
		return m
	}
	r.mu.Unlock()
	return nil
}

// TryLock's state depends on the branch.
func (r *Registry) TryEvict(name string) bool {
	if !r.mu.TryLock() {
		return false
	}
	delete(r.models, name)
	r.mu.Unlock()
	return true
}

// Locks of different range elements are different locks.
func lockAll(es []*entry) {
	for _, e := range es {
		e.mu.Lock()
	}
	for _, e := range es {
		e.mu.Unlock()
	}
}

// Unlock and relock in a loop, released at the end.
func (r *Registry) Drain(ch chan *Model) {
	r.mu.Lock()
	for m := range ch {
		r.mu.Unlock()
		_ = m
		r.mu.Lock()
	}
	r.mu.Unlock()
}

func (r *Registry) release(error) { r.rw.RUnlock() }

// grab hands its caller the read lock and the function that releases it.
func (r *Registry) grab() (*Model, func(error), error) {
	r.rw.RLock()
	if r.closed {
		r.rw.RUnlock()
		return nil, nil, nil
	}
	return r.models[""], r.release, nil
}

// unlocker returns the mutex's own Unlock.
func (r *Registry) unlocker() func() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return func() {}
	}
	return r.mu.Unlock
}

// A goroutine started on a method that unlocks hands the release to it
// (grpc's go ac.resetTransportAndUnlock()).
func (r *Registry) Reload(names []string) {
	r.mu.Lock()
	if len(names) == 0 {
		r.mu.Unlock()
		return
	}
	go r.reloadAndUnlock(names)
}

// reloadAndUnlock is called with r.mu held and releases it.
func (r *Registry) reloadAndUnlock(names []string) {
	for _, n := range names {
		delete(r.models, n)
	}
	r.mu.Unlock()
}
