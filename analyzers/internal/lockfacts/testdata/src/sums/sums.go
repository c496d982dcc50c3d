package sums

import "sync"

var global sync.Mutex

type S struct {
	mu  sync.Mutex
	rw  sync.RWMutex
	sub struct{ sync.Mutex }
	n   int
}

func (s *S) take() { // want take:`locks\(takes\+returns recv.mu \[sums.S.mu\]\)`
	s.mu.Lock()
}

func (s *S) release() { // want release:`locks\(releases recv.mu \[sums.S.mu\]\)`
	s.mu.Unlock()
}

func (s *S) inc() { // want inc:`locks\(takes recv.mu \[sums.S.mu\]\)`
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
}

func (s *S) read() int { // want read:`locks\(takes recv.rw \[sums.S.rw\] \(read\)\)`
	s.rw.RLock()
	defer s.rw.RUnlock()
	return s.n
}

func bump(s *S) { // want bump:`locks\(takes p1.mu \[sums.S.mu\]\)`
	s.inc()
}

func withGlobal() { // want withGlobal:`locks\(takes sums.global \[sums.global\]\)`
	global.Lock()
	global.Unlock()
}

func (s *S) relock() { // want relock:`locks\(retakes recv.mu \[sums.S.mu\]\)`
	s.mu.Unlock()
	s.n++
	s.mu.Lock()
}

func (s *S) embedded() { // want embedded:`locks\(takes recv.sub.Mutex \[sums.S.sub.Mutex\]\)`
	s.sub.Lock()
	s.sub.Unlock()
}

func lookup(m map[string]*S) { // want lookup:`locks\(takes class \[sums.S.mu\]\)`
	s := m["a"]
	s.inc()
}

// No lock: no fact.
func (s *S) plain() int { return s.n }
