package serving

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Warmer parks its warm-up loop until the first request arrives.
type Warmer struct {
	mu     sync.Mutex
	wake   chan struct{}
	queued []string
}

// NewWarmer returns a Warmer whose wake channel is unbuffered.
func NewWarmer() *Warmer { return &Warmer{wake: make(chan struct{})} }

// Park is the bug: the lock is released in both branches, after the
// receive, and the only sender takes the same lock first.
func (w *Warmer) Park() {
	w.mu.Lock()
	if len(w.queued) == 0 {
		<-w.wake // want `w.mu is held while receiving from w.wake`
		w.mu.Unlock()
	} else {
		w.mu.Unlock()
	}
}

// Enqueue wakes the parked loop, under the lock Park holds while it waits.
func (w *Warmer) Enqueue(req string) {
	w.mu.Lock()
	w.queued = append(w.queued, req)
	select {
	case w.wake <- struct{}{}:
	default:
	}
	w.mu.Unlock()
}

// ParkReleased is the near miss: the branch that waits releases the lock
// first.
func (w *Warmer) ParkReleased() {
	w.mu.Lock()
	if len(w.queued) == 0 {
		w.mu.Unlock()
		<-w.wake
	} else {
		w.mu.Unlock()
	}
}

// Framer writes frames; writeLock serializes them.
type Framer struct {
	writeLock sync.Mutex
	reset     chan bool
	frames    chan string
	sigs      chan os.Signal
}

// NewFramer makes the framer's channels.
func NewFramer() *Framer {
	return &Framer{reset: make(chan bool), frames: make(chan string), sigs: make(chan os.Signal)}
}

// Close closes reset under the lock; nothing ever receives from it.
func (f *Framer) Close() {
	f.writeLock.Lock()
	close(f.reset)
	f.writeLock.Unlock()
}

// WriteFrame is the bug: a send nobody in the package receives, under a
// lock named for serializing writes, blocks every later writer for ever.
func (f *Framer) WriteFrame() {
	f.writeLock.Lock()
	defer f.writeLock.Unlock()
	f.reset <- true // want `f.writeLock is held while sending on f.reset, which nothing in the package receives from`
}

// Send is the near miss: writeLock serializes sends to a loop that
// receives them and never takes writeLock.
func (f *Framer) Send(frame string) {
	f.writeLock.Lock()
	defer f.writeLock.Unlock()
	f.frames <- frame
}

// Loop receives the frames.
func (f *Framer) Loop(out func(string)) {
	for fr := range f.frames {
		out(fr)
	}
}

// Watch hands sigs to another package: what it does with the channel is
// out of sight.
func (f *Framer) Watch() { signal.Notify(f.sigs, syscall.SIGHUP) }

// Forward is the near miss: nothing in the package receives from sigs, but
// it was handed to another package.
func (f *Framer) Forward(s os.Signal) {
	f.writeLock.Lock()
	defer f.writeLock.Unlock()
	f.sigs <- s
}

// Stepper trains one step per gradient it receives.
type Stepper struct {
	mu    sync.Mutex
	grads chan float64
	done  chan struct{}
	acks  chan struct{}
	loss  float64
}

// NewStepper makes the channels: grads and acks unbuffered, done closed by Stop.
func NewStepper() *Stepper {
	return &Stepper{grads: make(chan float64), done: make(chan struct{}), acks: make(chan struct{})}
}

func (s *Stepper) nextGrad() float64 { return <-s.grads }

func (s *Stepper) nextGradOrStop() (float64, bool) {
	select {
	case g := <-s.grads:
		return g, true
	case <-s.done:
		return 0, false
	}
}

// Step is the bug: the helper it calls under the lock waits for a gradient
// that Push sends under the same lock.
func (s *Stepper) Step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loss += s.nextGrad() // want `s.mu is held while calling s.nextGrad, which receives from s.grads \(line [0-9]+\), whose other side takes the same lock first`
}

// StepOrStop is the near miss: the helper's select has another way out.
func (s *Stepper) StepOrStop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.nextGradOrStop(); ok {
		s.loss += g
	}
}

// Push sends a gradient under the lock.
func (s *Stepper) Push(g float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grads <- g // want `s.mu is held while sending on s.grads`
}

func (s *Stepper) waitAck() { <-s.acks }

// Confirm is the near miss: the helper waits on acks, which only a
// goroutine that never takes the lock sends.
func (s *Stepper) Confirm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitAck()
}

// Acker answers every confirmation without the lock.
func (s *Stepper) Acker() {
	go func() {
		for {
			s.acks <- struct{}{}
		}
	}()
}

// waitUnlocked releases the caller's lock while it waits.
func (s *Stepper) waitUnlocked() {
	s.mu.Unlock()
	<-s.grads
	s.mu.Lock()
}

// StepReleasing is the near miss: the helper releases the lock it is
// called under before it waits.
func (s *Stepper) StepReleasing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitUnlocked()
}

// SlotPool limits requests in flight with a semaphore and parks replies.
type SlotPool struct {
	mu      sync.Mutex
	slots   chan struct{}
	replies chan string
}

// NewSlotPool makes the pool's buffered channels.
func NewSlotPool(n int) *SlotPool {
	return &SlotPool{slots: make(chan struct{}, n), replies: make(chan string, n)}
}

// acquire takes a slot; on failure it gives back the slot it just took.
func (p *SlotPool) acquire(fail bool) bool {
	p.slots <- struct{}{}
	if fail {
		<-p.slots
		return false
	}
	return true
}

func (p *SlotPool) try(fail bool) bool { return p.acquire(fail) }

// drain takes only the replies already there.
func (p *SlotPool) drain() (out []string) {
	for len(p.replies) > 0 {
		out = append(out, <-p.replies)
	}
	return out
}

// Send is the near miss of a helper whose receive gives back the slot its
// own function took: it never waits for a peer.
func (p *SlotPool) Send(fail bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.try(fail)
}

// Collect is the near miss of a helper whose receives are guarded by len.
func (p *SlotPool) Collect() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drain()
}

// Reply parks a reply under the lock.
func (p *SlotPool) Reply(r string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case p.replies <- r:
	default:
	}
}

// Retry is another caller of the slot helper under the lock.
func (p *SlotPool) Retry() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.try(false)
}
