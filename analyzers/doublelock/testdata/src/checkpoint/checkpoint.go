package checkpoint

import (
	"sync"

	"lib"
)

type Checkpoint struct{ step int }

type Manager struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	saved []Checkpoint
	meter lib.Meter
	busy  bool
}

func (m *Manager) prune() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.saved) > 3 {
		m.saved = m.saved[1:]
	}
}

// Save calls prune, which locks m.mu again.
func (m *Manager) Save(ck Checkpoint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, ck)
	m.prune() // want `prune locks m.mu \(checkpoint.go:20\) while this goroutine holds it \(locked at line 29\): sync.Mutex is not reentrant`
}

// Twice locks directly.
func (m *Manager) Twice() {
	m.mu.Lock()
	m.busy = true
	m.mu.Lock() // want `m.mu is locked again while this goroutine holds it \(locked at line 37\)`
	m.mu.Unlock()
}

// Retry continues its loop past the Unlock.
func (m *Manager) Retry(tries int) {
	for i := 0; i < tries; i++ {
		m.mu.Lock() // want `m.mu is locked again while this goroutine holds it \(locked at line 46, on a path that does not unlock it\)`
		if m.busy {
			continue
		}
		m.mu.Unlock()
	}
}

func (m *Manager) count() int {
	m.rw.RLock()
	defer m.rw.RUnlock()
	return len(m.saved)
}

// Stats read-locks twice: RWR.
func (m *Manager) Stats() int {
	m.rw.RLock()
	defer m.rw.RUnlock()
	return m.count() // want `count read-locks m.rw .* while this goroutine holds it \(read-locked at line 62\): if a writer calls Lock in between`
}

// Upgrade takes the write lock under its own read lock.
func (m *Manager) Upgrade() {
	m.rw.RLock()
	if len(m.saved) == 0 {
		m.rw.Lock() // want `m.rw is locked again while this goroutine holds it \(read-locked at line 69\): a read lock cannot be upgraded`
		m.rw.Unlock()
	}
	m.rw.RUnlock()
}

// Across packages: lib.Bump locks the meter's mutex.
func (m *Manager) Record() {
	m.meter.Mu.Lock()
	defer m.meter.Mu.Unlock()
	lib.Bump(&m.meter) // want `Bump locks m.meter.Mu \(lib.go:13\) while this goroutine holds it`
}
