package serving

import "sync"

type Queue struct {
	mu    sync.Mutex
	items []int
}

type Stats struct {
	mu sync.RWMutex
	n  int
}

// One order everywhere: Queue.mu before Stats.mu.
func push(q *Queue, s *Stats, v int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, v)
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
}

func pop(q *Queue, s *Stats) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	s.mu.Lock()
	s.n--
	s.mu.Unlock()
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

// Released before taking the other: no edge.
func read(q *Queue, s *Stats) int {
	s.mu.RLock()
	n := s.n
	s.mu.RUnlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	return n + len(q.items)
}

// Parent and child of one type: one class, not a cycle.
type Tree struct {
	mu       sync.Mutex
	children []*Tree
}

func (t *Tree) Walk() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.children {
		c.mu.Lock()
		c.mu.Unlock()
	}
}

// Only maybe held: taken on one path.
type Cfg struct {
	mu sync.Mutex
}

func maybe(c *Cfg, q *Queue, lock bool) {
	if lock {
		c.mu.Lock()
	}
	q.mu.Lock()
	q.mu.Unlock()
	if lock {
		c.mu.Unlock()
	}
}

func other(c *Cfg, q *Queue) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c.mu.Lock()
	c.mu.Unlock()
}

// Read locks both ways: readers do not exclude each other.
type A struct{ mu sync.RWMutex }
type B struct{ mu sync.RWMutex }

func readAB(a *A, b *B) {
	a.mu.RLock()
	b.mu.RLock()
	b.mu.RUnlock()
	a.mu.RUnlock()
}

func readBA(a *A, b *B) {
	b.mu.RLock()
	a.mu.RLock()
	a.mu.RUnlock()
	b.mu.RUnlock()
}
