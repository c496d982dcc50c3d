// Package scheduler runs debounced jobs per key: a burst of edits to one
// package becomes one analysis, and an edit that arrives while an analysis
// runs cancels it, because its result would be stale.
//
// Runs of one key never overlap: a run that is superseded is cancelled, and
// its successor starts once it has returned. At most Limit runs of any keys
// go at once. Every goroutine the scheduler starts is ended and waited for
// by Close.
package scheduler

import (
	"context"
	"sync"
	"time"
)

// Job is work for one key; ctx is cancelled when a newer job for the key is
// scheduled or the scheduler closes.
type Job func(ctx context.Context)

// Scheduler runs jobs. The zero value is not usable; use New.
type Scheduler struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}

	mu     sync.Mutex
	keys   map[string]*entry
	closed bool
	wg     sync.WaitGroup // timers armed and runs in progress
}

type entry struct {
	gen    uint64
	timer  *time.Timer
	job    Job
	stop   context.CancelFunc // cancels the current run
	done   chan struct{}      // closed when the current run returns
	active bool               // a timer is armed or a run is going
}

// New returns a scheduler that runs at most limit jobs at once (at least
// one).
func New(limit int) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{ctx: ctx, cancel: cancel, sem: make(chan struct{}, max(1, limit)), keys: map[string]*entry{}}
}

// Schedule arranges for job to run for key after delay, replacing a job of
// the key that has not started and cancelling one that has.
func (s *Scheduler) Schedule(key string, delay time.Duration, job Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	e := s.keys[key]
	if e == nil {
		e = &entry{}
		s.keys[key] = e
	}
	e.gen++
	if e.stop != nil {
		e.stop()
	}
	if e.timer != nil && e.timer.Stop() {
		s.wg.Done() // that timer will not fire
	}
	e.job = job
	gen := e.gen
	s.wg.Add(1)
	e.timer = time.AfterFunc(delay, func() { s.fire(key, e, gen) })
}

// Cancel drops the key's pending job and cancels its run, if any.
func (s *Scheduler) Cancel(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.keys[key]
	if e == nil {
		return
	}
	e.gen++
	if e.stop != nil {
		e.stop()
	}
	if e.timer != nil && e.timer.Stop() {
		s.wg.Done()
	}
	e.timer = nil
	if e.done == nil {
		delete(s.keys, key)
	}
}

// fire runs in the timer's goroutine; the timer's wg count is its own.
func (s *Scheduler) fire(key string, e *entry, gen uint64) {
	defer s.wg.Done()
	s.mu.Lock()
	if s.closed || e.gen != gen || s.keys[key] != e {
		s.mu.Unlock()
		return
	}
	e.timer = nil
	prev := e.done
	ctx, stop := context.WithCancel(s.ctx)
	done := make(chan struct{})
	e.stop, e.done = stop, done
	job := e.job
	s.mu.Unlock()

	defer func() {
		stop()
		close(done)
		s.mu.Lock()
		if e.done == done {
			e.stop, e.done = nil, nil
			if e.timer == nil && s.keys[key] == e {
				delete(s.keys, key)
			}
		}
		s.mu.Unlock()
	}()
	if prev != nil {
		<-prev // the superseded run was cancelled; let it return first
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.sem }()
	if ctx.Err() == nil {
		job(ctx)
	}
}

// Close cancels every pending and running job and waits for them to end.
// Schedule after Close does nothing.
func (s *Scheduler) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	for _, e := range s.keys {
		if e.timer != nil && e.timer.Stop() {
			s.wg.Done()
		}
		e.timer = nil
	}
	s.mu.Unlock()
	s.wg.Wait()
}
