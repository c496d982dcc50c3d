// Package model loads model weights once and lets request handlers wait
// for them.
package model

import (
	"errors"
	"fmt"
	"sync"
)

type Weights []float32

func readWeights(path string) (Weights, error) { return nil, nil }

// Model is loaded by one goroutine while handlers wait.
type Model struct {
	mu      sync.Mutex
	cond    *sync.Cond
	weights Weights
	ready   bool
	err     error
}

func New() *Model {
	m := &Model{}
	m.cond = sync.NewCond(&m.mu)
	return m
}

// wait is what request handlers call.
func (m *Model) wait() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for !m.ready && m.err == nil {
		m.cond.Wait()
	}
	return m.err
}

// load records the failure but returns without waking the waiters.
func (m *Model) load(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, err := readWeights(path)
	if err != nil {
		m.err = err
		return err // want `this return skips m.cond.Broadcast after m.err changes \(line 46\): goroutines in m.cond.Wait \(line 35\) are not woken`
	}
	m.weights, m.ready = w, true
	m.cond.Broadcast()
	return nil
}

// reload fails after taking the lock: the waiters wait for work that failed.
func (m *Model) reload(path string) error {
	m.cond.L.Lock()
	defer m.cond.L.Unlock()
	w, err := readWeights(path)
	if err != nil {
		return fmt.Errorf("reload %s: %w", path, err) // want `this error return skips m.cond.Broadcast that the other paths call`
	}
	m.weights, m.ready = w, true
	m.cond.Broadcast()
	return nil
}

// ---- silent ----

// loadDeferred broadcasts in a defer: every path.
func (m *Model) loadDeferred(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.cond.Broadcast()
	w, err := readWeights(path)
	if err != nil {
		m.err = err
		return err
	}
	m.weights, m.ready = w, true
	return nil
}

func (m *Model) finish(w Weights, err error) {
	m.weights, m.err, m.ready = w, err, err == nil
	m.cond.Broadcast()
}

// loadHelper wakes the waiters through a helper on both paths.
func (m *Model) loadHelper(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, err := readWeights(path)
	if err != nil {
		m.finish(nil, err)
		return err
	}
	m.finish(w, nil)
	return nil
}

// loadOnce returns early when already loaded: nothing changed, nobody to
// wake.
func (m *Model) loadOnce(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ready {
		return nil
	}
	w, err := readWeights(path)
	m.weights, m.err, m.ready = w, err, err == nil
	m.cond.Broadcast()
	return err
}

// validate checks the path before taking the lock.
func (m *Model) loadChecked(path string) error {
	if path == "" {
		return errors.New("empty path")
	}
	if _, err := readWeights(path + ".meta"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ready = true
	m.cond.Broadcast()
	return nil
}

// Queue is a bounded queue of requests.
type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []string
	max   int
}

var ErrFull = errors.New("queue full")

// Put refuses when full: nothing changed, nobody to wake.
func (q *Queue) Put(s string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) >= q.max {
		return ErrFull
	}
	q.items = append(q.items, s)
	q.cond.Signal()
	return nil
}

// Get waits for an item.
func (q *Queue) Get() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	s := q.items[0]
	q.items = q.items[1:]
	return s
}

// Subscription delivers messages to a callback goroutine.
type Subscription struct {
	mu     sync.Mutex
	pCond  *sync.Cond
	head   *msg
	tail   *msg
	closed bool
}

type msg struct{ next *msg }

// push signals only when the list was empty: a waiter only waits then.
func (s *Subscription) push(m *msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.head == nil {
		s.head, s.tail = m, m
		s.pCond.Signal()
	} else {
		s.tail.next = m
		s.tail = m
	}
}

// close wakes the waiter only when there is a Cond to wake.
func (s *Subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.pCond != nil {
		s.pCond.Broadcast()
	}
}

// closeAll signals the subscriptions that need it, in a loop.
func closeAll(subs []*Subscription) {
	for _, s := range subs {
		s.mu.Lock()
		s.closed = true
		if s.head == nil {
			s.pCond.Signal()
		}
		s.mu.Unlock()
	}
}

func (s *Subscription) next() *msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head == nil && !s.closed {
		s.pCond.Wait()
	}
	m := s.head
	if m != nil {
		s.head = m.next
	}
	return m
}

func next() (byte, error) { return 0, nil }

// reader's fast path consumes a buffered byte without touching what the
// waiters check (inRead): no one to wake.
type reader struct {
	mu      sync.Mutex
	cond    *sync.Cond
	inRead  bool
	hasByte bool
	b       byte
}

func (r *reader) read() (byte, error) {
	r.mu.Lock()
	if r.hasByte {
		r.hasByte = false
		r.mu.Unlock()
		return r.b, nil
	}
	r.inRead = true
	r.mu.Unlock()
	b, err := next()
	r.mu.Lock()
	r.inRead = false
	r.mu.Unlock()
	r.cond.Broadcast()
	return b, err
}

func (r *reader) abort() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.inRead {
		r.cond.Wait()
	}
}

// cancel clears inRead on its early path and forgets to wake the waiters.
func (r *reader) cancel(force bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if force {
		r.inRead = false
		return // want `this return skips r.cond.Broadcast after r.inRead changes`
	}
	r.hasByte = false
	r.inRead = false
	r.cond.Broadcast()
}

// Loader is the analyzer doc's WRONG example: its waiters only check
// ready, and the failed load returns under the lock without waking them.
type Loader struct {
	mu      sync.Mutex
	cond    *sync.Cond
	weights Weights
	ready   bool
	err     error
}

func NewLoader() *Loader {
	l := &Loader{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *Loader) load(path string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, err := readWeights(path)
	if err != nil {
		l.err = err
		return err // want `this error return skips l.cond.Broadcast that the other paths call: goroutines in l.cond.Wait \(line \d+\) are not woken, and wait for work that failed`
	}
	l.weights, l.ready = w, true
	l.cond.Broadcast()
	return nil
}

func (l *Loader) wait() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.ready {
		l.cond.Wait()
	}
}
