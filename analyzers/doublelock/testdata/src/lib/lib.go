// Package lib is imported by checkpoint: its locking reaches there as facts.
package lib

import "sync"

type Meter struct {
	Mu sync.Mutex
	n  int
}

// Add takes m.Mu.
func (m *Meter) Add(d int) {
	m.Mu.Lock()
	m.n += d
	m.Mu.Unlock()
}

// Bump locks its argument's mutex.
func Bump(m *Meter) { m.Add(1) }
