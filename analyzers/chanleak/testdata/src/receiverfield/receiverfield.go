// Package receiverfield holds methods that make a channel in a field of
// their receiver and start goroutines on other methods that send on it
// (r.results = make(chan error); go r.worker()). The channel is theirs
// alone when nothing else in the package reads the field: leaving the
// receive loop early strands the workers.
package receiverfield

import "errors"

var errBadShard = errors.New("bad shard")

type trainer struct {
	shards  chan int
	results chan error
}

func (t *trainer) worker() {
	for s := range t.shards {
		t.results <- step(s) // want `goroutines worker started in a loop block forever on send on t.results when Train leaves its receive loop and returns at line 43`
	}
}

func step(s int) error {
	if s < 0 {
		return errBadShard
	}
	return nil
}

// Train returns on the first failed shard; the other workers stay blocked.
func (t *trainer) Train(shards []int) error {
	t.shards = make(chan int, len(shards))
	t.results = make(chan error)
	for i := 0; i < 4; i++ {
		go t.worker()
	}
	for _, s := range shards {
		t.shards <- s
	}
	close(t.shards)
	for range shards {
		if err := <-t.results; err != nil {
			return err
		}
	}
	return nil
}

type evaluator struct {
	jobs chan int
	errs chan error
}

func (e *evaluator) worker() {
	for j := range e.jobs {
		e.errs <- step(j)
	}
}

// Evaluate keeps receiving after the first error: every worker is freed.
func (e *evaluator) Evaluate(jobs []int) error {
	e.jobs = make(chan int, len(jobs))
	e.errs = make(chan error)
	for i := 0; i < 4; i++ {
		go e.worker()
	}
	for _, j := range jobs {
		e.jobs <- j
	}
	close(e.jobs)
	var first error
	for range jobs {
		if err := <-e.errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

type monitor struct {
	events chan error
}

func (m *monitor) watch(n int) {
	for i := 0; i < n; i++ {
		m.events <- step(i)
	}
}

// Start hands the channel on through Events: its reader is the caller's.
func (m *monitor) Start(n int) error {
	m.events = make(chan error)
	for i := 0; i < 2; i++ {
		go m.watch(n)
	}
	for i := 0; i < n; i++ {
		if err := <-m.events; err != nil {
			return err
		}
	}
	return nil
}

// Events gives the channel away: another reader may drain it.
func (m *monitor) Events() <-chan error { return m.events }

type pool struct {
	out chan int
}

func (p *pool) fill(n int) {
	for i := 0; i < n; i++ {
		p.out <- i
	}
}

// Drain is another method that receives: it may be what frees fill.
func (p *pool) Drain() {
	for range p.out {
	}
}

// Start returns early, but Drain may take the rest.
func (p *pool) Start(n int) error {
	p.out = make(chan int)
	go p.fill(n)
	for i := 0; i < n; i++ {
		if v := <-p.out; v < 0 {
			return errBadShard
		}
	}
	return nil
}
