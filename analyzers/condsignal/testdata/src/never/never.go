// Package never activates plugins that request handlers wait for.
package never

import "sync"

type Manifest struct{ Implements []string }

type plugin struct {
	activateWait *sync.Cond
	manifest     *Manifest
}

// waitActive waits on a Cond that nothing signals.
func (p *plugin) waitActive() {
	p.activateWait.L.Lock()
	for p.manifest == nil {
		p.activateWait.Wait() // want `p.activateWait.Wait blocks forever: nothing in this package calls Signal or Broadcast on p.activateWait`
	}
	p.activateWait.L.Unlock()
}

// ---- silent ----

type server struct {
	mu      sync.Mutex
	drained *sync.Cond
	active  int
}

func (s *server) finish() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
	s.drained.Broadcast()
}

func (s *server) drain() {
	s.mu.Lock()
	for s.active > 0 {
		s.drained.Wait()
	}
	s.mu.Unlock()
}

type pool struct {
	mu    sync.Mutex
	freed *sync.Cond
	n     int
}

// register hands the Cond to code that may signal it.
func register(c *sync.Cond) {}

func (p *pool) take() {
	register(p.freed)
	p.mu.Lock()
	for p.n == 0 {
		p.freed.Wait()
	}
	p.n--
	p.mu.Unlock()
}

// Exported: another package may signal it.
type Exported struct {
	Ready *sync.Cond
	Done  bool
}

func (e *Exported) Wait() {
	e.Ready.L.Lock()
	for !e.Done {
		e.Ready.Wait()
	}
	e.Ready.L.Unlock()
}
