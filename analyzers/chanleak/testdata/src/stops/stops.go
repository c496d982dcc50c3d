package stops

import (
	"context"
	"sync"
)

type status struct{}

// The status loop returns on stop; Status sends with no way out.
type node struct {
	status chan chan status
	stop   chan struct{}
	done   chan struct{}
}

func newNode() *node {
	n := &node{status: make(chan chan status), stop: make(chan struct{}), done: make(chan struct{})}
	go n.run()
	return n
}

func (n *node) run() {
	for {
		select {
		case c := <-n.status:
			c <- status{}
		case <-n.stop:
			close(n.done)
			return
		}
	}
}

func (n *node) Status() status {
	c := make(chan status)
	n.status <- c // want `send on n.status may block forever: its only receiver, the loop at line 24, can return \(line 30\) and then nobody receives; select on a stop signal too`
	return <-c
}

func (n *node) Stop() {
	select {
	case n.stop <- struct{}{}:
	case <-n.done:
	}
}

// The agent's loop returns on ctx.Done; runWait is started per epoch.
type agent struct {
	statusCh chan int
	active   map[int]bool
}

func (a *agent) Run(ctx context.Context) {
	for {
		select {
		case s := <-a.statusCh:
			delete(a.active, s)
			if len(a.active) == 0 {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func (a *agent) Restart(epoch int) { go a.runWait(epoch) }

func (a *agent) runWait(epoch int) {
	a.statusCh <- epoch // want `send on a.statusCh may block forever: its only receiver, the loop at line 55, can return \(line 63\) and then nobody receives; select on a stop signal too`
}

func newAgent() *agent { return &agent{statusCh: make(chan int), active: map[int]bool{}} }

// --- must stay silent ---

// The sender selects on the stop signal too.
type server struct {
	reqs chan int
	quit chan struct{}
}

func newServer() *server { return &server{reqs: make(chan int), quit: make(chan struct{})} }

func (s *server) loop() {
	for {
		select {
		case <-s.reqs:
		case <-s.quit:
			return
		}
	}
}

func (s *server) Do(r int) {
	select {
	case s.reqs <- r:
	case <-s.quit:
	}
}

// The send is the stop signal: the loop stops on receiving it.
type client struct{ stop chan bool }

func newClient() *client { return &client{stop: make(chan bool)} }

func (c *client) loop(work chan int) {
	for {
		select {
		case <-c.stop:
			return
		case <-work:
		}
	}
}

func (c *client) Close() { c.stop <- true }

// A buffered field of the right size: the send does not wait.
type buffered struct {
	events chan int
	quit   chan struct{}
}

func newBuffered() *buffered { return &buffered{events: make(chan int, 1), quit: make(chan struct{})} }

func (b *buffered) loop() {
	for {
		select {
		case <-b.events:
		case <-b.quit:
			return
		}
	}
}

func (b *buffered) notify() { b.events <- 1 }

// A loop that never stops serves every send.
type forever struct{ jobs chan int }

func newForever() *forever { return &forever{jobs: make(chan int)} }

func (f *forever) loop(tick chan int) {
	for {
		select {
		case <-f.jobs:
		case <-tick:
		}
	}
}

func (f *forever) add(j int) { f.jobs <- j }

// A receiver that drains on every path: a plain receive besides the loop.
type drained struct {
	out  chan int
	quit chan struct{}
}

func newDrained() *drained { return &drained{out: make(chan int), quit: make(chan struct{})} }

func (d *drained) loop() {
	for {
		select {
		case <-d.out:
		case <-d.quit:
			for range d.out {
			}
			return
		}
	}
}

func (d *drained) put(v int) { d.out <- v }
func (d *drained) end()      { close(d.out) }

// A send guarded by state that says the loop runs (under the same lock
// that Stop takes to stop it).
type cron struct {
	mu      sync.Mutex
	running bool
	add     chan int
	halt    chan struct{}
}

func newCron() *cron { return &cron{add: make(chan int), halt: make(chan struct{})} }

func (c *cron) run() {
	for {
		select {
		case <-c.add:
		case <-c.halt:
			return
		}
	}
}

func (c *cron) Add(v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.add <- v
	}
}

func (c *cron) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		close(c.halt)
		c.running = false
	}
}

// The first loop breaks out to a second loop that still receives.
type subscriber struct{ done chan struct{} }

func newSubscriber() *subscriber { return &subscriber{done: make(chan struct{})} }

func (s *subscriber) start(connect func() error, msgs chan int) {
	go func() {
		for {
			if err := connect(); err != nil {
				select {
				case <-msgs:
					continue
				case <-s.done:
					return
				}
			}
			break
		}
		for {
			select {
			case <-s.done:
				return
			case <-msgs:
			}
		}
	}()
}

func (s *subscriber) shutdown() { s.done <- struct{}{} }
