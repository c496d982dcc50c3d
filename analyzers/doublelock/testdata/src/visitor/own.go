package visitor

import "sync"

// Index is visited under its own lock.
type Index struct {
	mu     sync.Mutex
	byName map[string]int
	order  []string
	hooks  []func(int)
	n      int
}

// Each calls fn for every name while it holds x.mu.
func (x *Index) Each(fn func(string, int)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, name := range x.order {
		fn(name, x.byName[name])
	}
}

// Snapshot copies under the lock and calls fn after Unlock.
func (x *Index) Snapshot(fn func(string, int)) {
	x.mu.Lock()
	names := append([]string(nil), x.order...)
	x.mu.Unlock()
	for _, name := range names {
		fn(name, 0)
	}
}

// Prune deletes the stale names from inside Each.
func (x *Index) Prune(stale func(int) bool) {
	x.Each(func(name string, v int) {
		if stale(v) {
			x.mu.Lock() // want `this function literal locks x.mu, but Each calls the literal while it holds x.mu itself \(locked at line 16\)`
			delete(x.byName, name)
			x.mu.Unlock()
		}
	})
}

// PruneSnapshot deletes through Snapshot, which has let go of the lock.
func (x *Index) PruneSnapshot(stale func(int) bool) {
	x.Snapshot(func(name string, v int) {
		if stale(v) {
			x.mu.Lock()
			delete(x.byName, name)
			x.mu.Unlock()
		}
	})
}

// Merge locks the other index inside this one's Each: another value.
func (x *Index) Merge(other *Index) {
	x.Each(func(name string, v int) {
		other.mu.Lock()
		other.byName[name] = v
		other.mu.Unlock()
	})
}

// OnBump registers a hook.
func (x *Index) OnBump(h func(int)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.hooks = append(x.hooks, h)
}

// Bump runs the hooks under the lock.
func (x *Index) Bump() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.n++
	for _, h := range x.hooks {
		h(x.n)
	}
}

// BumpAfter runs the hooks after Unlock.
func (x *Index) BumpAfter() {
	x.mu.Lock()
	x.n++
	n, hooks := x.n, append([]func(int){}, x.hooks...)
	x.mu.Unlock()
	for _, h := range hooks {
		h(n)
	}
}

// Watch appends a hook that reads the index under its lock: Bump calls
// it with the lock held.
func (x *Index) Watch(seen *[]int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.hooks = append(x.hooks, func(n int) { // want `this function locks x.mu \(line 98\), and Bump calls it through x.hooks with x.mu held`
		x.mu.Lock()
		*seen = append(*seen, len(x.order))
		x.mu.Unlock()
	})
}
