package serving

import "sync"

type Model struct {
	name    string
	batcher *Batcher
}

type Batcher struct {
	mu      sync.Mutex
	pool    *Pool
	model   *Model
	pending []int
}

type Pool struct {
	mu     sync.Mutex
	models map[string]*Model
}

func (p *Pool) Release(m *Model) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.models, m.name)
}

func (b *Batcher) Drop(m *Model) {
	b.mu.Lock()
	b.pending = nil
	b.mu.Unlock()
}

// Flush takes Pool.mu while holding Batcher.mu, through Release.
func (b *Batcher) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pool.Release(b.model) // want `lock order cycle serving.Batcher.mu → serving.Pool.mu → serving.Batcher.mu: serving.Pool.mu taken while holding serving.Batcher.mu \(line 36\) through Release \(serving.go:23\) here, but serving.Batcher.mu taken while holding serving.Pool.mu \(line 43\) through Drop \(serving.go:29\) at line 45`
}

// Evict takes Batcher.mu while holding Pool.mu: AB-BA with Flush.
func (p *Pool) Evict(m *Model) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m.batcher.Drop(m)
}

// Three locks in a ring, directly.
var (
	aMu, bMu, cMu sync.Mutex
)

func ab() {
	aMu.Lock()
	bMu.Lock() // want `lock order cycle serving.aMu → serving.bMu → serving.cMu → serving.aMu`
	bMu.Unlock()
	aMu.Unlock()
}

func bc() {
	bMu.Lock()
	cMu.Lock()
	cMu.Unlock()
	bMu.Unlock()
}

func ca() {
	cMu.Lock()
	aMu.Lock()
	aMu.Unlock()
	cMu.Unlock()
}
