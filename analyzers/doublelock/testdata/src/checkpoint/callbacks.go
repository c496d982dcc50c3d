package checkpoint

import (
	"context"
	"sync"
)

// Callbacks stored in a field and called with the owner's lock held.

// Checkpointer is called by Renew to checkpoint a lease.
type Checkpointer func(ctx context.Context)

// Lessor renews leases and checkpoints them through a callback.
type Lessor struct {
	mu sync.Mutex
	cp Checkpointer
	n  int
}

// Checkpoint records a checkpoint under the lock.
func (le *Lessor) Checkpoint() {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.n++
}

// SetCheckpointer stores the callback.
func (le *Lessor) SetCheckpointer(cp Checkpointer) {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.cp = cp
}

// Renew calls the callback with le.mu held.
func (le *Lessor) Renew() {
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.cp != nil {
		le.cp(context.Background())
	}
}

// NewLessor is the bug: the callback it registers locks the lessor's
// mutex, which Renew holds when it calls it.
func NewLessor() *Lessor {
	le := &Lessor{}
	checkpoint := func(ctx context.Context) {
		le.Checkpoint()
	}
	le.SetCheckpointer(checkpoint) // want `checkpoint locks le.mu \(through Checkpoint\), and Renew calls it through le.cp with le.mu held \(line [0-9]+\): sync.Mutex is not reentrant`
	return le
}

// Cache evicts models and reports each eviction through a hook.
type Cache struct {
	mu      sync.RWMutex
	models  map[string][]float32
	evicted int
	onEvict func(name string)
}

func (c *Cache) recordEviction(name string) {
	c.mu.Lock()
	c.evicted++
	c.mu.Unlock()
}

func (c *Cache) countEviction(name string) {
	c.evicted++ // the caller holds c.mu
}

// Evict calls the hook with the write lock held.
func (c *Cache) Evict(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.models, name)
	c.onEvict(name)
}

// Init is the bug in another shape: a method value of the cache, stored
// directly, that locks the cache again.
func (c *Cache) Init() {
	c.onEvict = c.recordEviction // want `c.recordEviction locks c.mu \(line [0-9]+\), and Evict calls it through c.onEvict with c.mu held \(line [0-9]+\): sync.Mutex is not reentrant`
}

// InitLocked is the near miss: the hook expects the lock held.
func (c *Cache) InitLocked() {
	c.onEvict = c.countEviction
}

// InitOther is the near miss: the hook locks another cache.
func (c *Cache) InitOther(parent *Cache) {
	c.onEvict = parent.recordEviction
}

// InitAsync is the near miss: the hook locks in a goroutine of its own.
func (c *Cache) InitAsync() {
	c.onEvict = func(name string) {
		go c.recordEviction(name)
	}
}

// Pool calls its hook after it releases the lock.
type Pool struct {
	mu     sync.Mutex
	free   int
	onFree func()
}

func (p *Pool) Release() {
	p.mu.Lock()
	p.free++
	p.mu.Unlock()
	p.onFree()
}

// NewPool is the near miss: the hook locks the pool, but Release calls it
// without the lock.
func NewPool() *Pool {
	p := &Pool{}
	p.onFree = func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.free--
	}
	return p
}

// Renewer calls its hook holding the lock until a deferred literal
// releases it: the hook still runs with the lock held.
type Renewer struct {
	mu   sync.Mutex
	n    int
	hook func()
}

func (r *Renewer) bump() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *Renewer) Renew() {
	r.mu.Lock()
	unlock := func() { r.mu.Unlock() }
	defer func() { unlock() }()
	r.hook()
}

func NewRenewer() *Renewer {
	r := &Renewer{}
	r.hook = r.bump // want `r.bump locks r.mu \(line [0-9]+\), and Renew calls it through r.hook with r.mu held`
	return r
}

// AsyncRenewer is the near miss: a goroutine it starts releases the lock,
// so the hook's Lock waits for it, not for ever.
type AsyncRenewer struct {
	mu   sync.Mutex
	n    int
	hook func()
}

func (r *AsyncRenewer) bump() {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *AsyncRenewer) Renew() {
	r.mu.Lock()
	go func() {
		r.n++
		r.mu.Unlock()
	}()
	r.hook()
}

func NewAsyncRenewer() *AsyncRenewer {
	r := &AsyncRenewer{}
	r.hook = r.bump
	return r
}

// Batcher flushes batches and reports each through a hook it copies to a
// local first, and registers the hook through a setter as a method value.
type Batcher struct {
	mu      sync.Mutex
	pending []float32
	flushed int
	onFlush func(n int)
}

func (b *Batcher) SetOnFlush(f func(n int)) {
	b.mu.Lock()
	b.onFlush = f
	b.mu.Unlock()
}

func (b *Batcher) count(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushed += n
}

func (b *Batcher) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.pending)
	b.pending = b.pending[:0]
	if hook := b.onFlush; hook != nil {
		hook(n)
	}
}

// NewBatcher is the bug in a third shape: a method value of the batcher
// through its setter, called through a local copy of the field.
func NewBatcher() *Batcher {
	b := &Batcher{}
	b.SetOnFlush(b.count) // want `b.count locks b.mu \(line [0-9]+\), and Flush calls it through b.onFlush with b.mu held`
	return b
}
