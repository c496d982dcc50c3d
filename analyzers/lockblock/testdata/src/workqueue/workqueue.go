// Package workqueue has blocking getters called with another lock held.
package workqueue

import "sync"

// queue hands out training jobs; Get waits until one is there.
type queue struct {
	mu   sync.Mutex
	cond *sync.Cond
	jobs []string
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) Get() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 {
		q.cond.Wait()
	}
	j := q.jobs[0]
	q.jobs = q.jobs[1:]
	return j
}

func (q *queue) Add(j string) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	q.cond.Signal()
}

// waitLocked waits with the caller holding q.mu (the Cond's lock).
func (q *queue) waitLocked() {
	for len(q.jobs) == 0 {
		q.cond.Wait()
	}
}

// Source is where a scheduler takes its jobs from.
type Source interface{ Get() string }

type scheduler struct {
	mu      sync.RWMutex
	q       *queue
	src     Source
	running map[string]bool
}

// run holds the read lock while it waits for the next job: Resync's Lock
// waits until a job arrives, and every reader behind it too.
func (s *scheduler) run() {
	for {
		s.mu.RLock()
		j := s.q.Get() // want `s.mu \(read-locked\) is held while calling s.q.Get, which waits on q.cond \(line 23\) until another goroutine signals it: every writer of s.mu waits as long`
		s.running[j] = true
		s.mu.RUnlock()
	}
}

// runSource does the same through the interface.
func (s *scheduler) runSource() {
	for {
		s.mu.RLock()
		j := s.src.Get() // want `s.mu \(read-locked\) is held while calling s.src.Get, which waits on q.cond`
		s.running[j] = true
		s.mu.RUnlock()
	}
}

func (s *scheduler) next() string { return s.q.Get() }

// runNext waits through a helper.
func (s *scheduler) runNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.next() // want `s.mu is held while calling s.next, which waits on q.cond`
	s.running[j] = true
}

func (s *scheduler) Resync() {
	s.mu.Lock()
	s.running = map[string]bool{}
	s.mu.Unlock()
}

// runOutside waits for the job first, then takes the lock.
func (s *scheduler) runOutside() {
	for {
		j := s.q.Get()
		s.mu.Lock()
		s.running[j] = true
		s.mu.Unlock()
	}
}

// drain holds the Cond's own lock: Wait releases it.
func (q *queue) drain() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waitLocked()
	out := q.jobs
	q.jobs = nil
	return out
}

// startLocked starts the getter in a goroutine: it waits there, not here.
func (s *scheduler) startLocked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	go s.q.Get()
}
