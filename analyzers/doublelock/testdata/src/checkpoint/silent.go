package checkpoint

import "sync"

// pruneLocked expects m.mu held and does not lock.
func (m *Manager) pruneLocked() { m.saved = m.saved[1:] }

func (m *Manager) SaveRight(ck Checkpoint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, ck)
	m.pruneLocked()
}

// Unlocked before the second Lock on every path.
func (m *Manager) Relock() {
	m.mu.Lock()
	m.busy = true
	m.mu.Unlock()
	m.mu.Lock()
	m.busy = false
	m.mu.Unlock()
}

// Released in both branches before prune.
func (m *Manager) Maybe(ck Checkpoint, prune bool) {
	m.mu.Lock()
	m.saved = append(m.saved, ck)
	if prune {
		m.mu.Unlock()
		m.prune()
		return
	}
	m.mu.Unlock()
}

type node struct {
	mu     sync.Mutex
	parent *node
}

// Two instances of one type are two locks.
func lockPair(a, b *node) {
	a.mu.Lock()
	b.mu.Lock()
	b.mu.Unlock()
	a.mu.Unlock()
}

// Walking up: n is another node after the assignment.
func (n *node) climb() {
	n.mu.Lock()
	for n.parent != nil {
		p := n.parent
		n.mu.Unlock()
		n = p
		n.mu.Lock()
	}
	n.mu.Unlock()
}

// sync.Cond.Wait releases the lock and takes it back: not a second lock.
type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

// TryLock while holding is not a deadlock.
func (m *Manager) Try() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rw.TryLock()
}

// Each goroutine has its own path.
func (m *Manager) Spawn() {
	m.mu.Lock()
	defer m.mu.Unlock()
	go m.prune()
	go func() {
		m.mu.Lock()
		m.mu.Unlock()
	}()
}

// Two read locks of two different RWMutexes.
type two struct{ a, b sync.RWMutex }

func (t *two) both() {
	t.a.RLock()
	t.b.RLock()
	t.b.RUnlock()
	t.a.RUnlock()
}

// initRLocked is called with the read lock held: it trades it for the
// write lock and back.
func (m *Manager) initRLocked() {
	if m.busy {
		return
	}
	m.rw.RUnlock()
	defer m.rw.RLock()
	m.rw.Lock()
	defer m.rw.Unlock()
	m.busy = true
}

func (m *Manager) Init() int {
	m.rw.RLock()
	defer m.rw.RUnlock()
	m.initRLocked()
	return len(m.saved)
}

func (m *Manager) flush(locked bool) {
	if !locked {
		m.mu.Lock()
		defer m.mu.Unlock()
	}
	m.saved = nil
}

// The callee locks only when told the caller does not hold the lock.
func (m *Manager) Update(lock bool) {
	if lock {
		m.mu.Lock()
		defer m.mu.Unlock()
	}
	m.flush(lock)
}

// The second Lock waits for the goroutine that unlocks: a hand-off.
func waitFor(work func()) {
	var done sync.Mutex
	done.Lock()
	go func() {
		work()
		done.Unlock()
	}()
	done.Lock()
}

// lockRoot walks up and locks the root's mutex, not its receiver's.
func (n *node) lockRoot() {
	for n.parent != nil {
		n = n.parent
	}
	n.mu.Lock()
	n.mu.Unlock()
}

func (n *node) touch() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.parent != nil {
		n.lockRoot()
	}
}
