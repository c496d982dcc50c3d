package semaphore

import (
	"context"
	"errors"
	"net"
)

// Deferred gives the slot back on every path.
func (t *Throttle) Deferred(x float64) (float64, error) {
	t.slots <- struct{}{}
	defer func() { <-t.slots }()
	return predict(t.m, x)
}

func (t *Throttle) release() { <-t.slots }

// Helper gives it back through a method, on every path.
func (t *Throttle) Helper(x float64) (float64, error) {
	t.slots <- struct{}{}
	y, err := predict(t.m, x)
	if err != nil {
		t.release()
		return 0, err
	}
	t.release()
	return y, nil
}

// Acquire hands the slot to its caller, with the function that gives it back.
func (t *Throttle) Acquire(ctx context.Context) (func(), error) {
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return func() { <-t.slots }, nil
}

// Conn holds a slot of its pool until Close.
type Conn struct {
	c     net.Conn
	slots chan struct{}
}

func (c *Conn) Close() error {
	<-c.slots
	return c.c.Close()
}

// Dial gives the slot back only when dialling fails: on success the
// connection holds it.
func Dial(slots chan struct{}, addr string) (*Conn, error) {
	slots <- struct{}{}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		<-slots
		return nil, err
	}
	return &Conn{c: c, slots: slots}, nil
}

// Background hands the slot to the goroutine, which gives it back.
func (t *Throttle) Background(x float64) error {
	t.slots <- struct{}{}
	if x < 0 {
		<-t.slots
		return errors.New("negative")
	}
	go func() {
		defer func() { <-t.slots }()
		predict(t.m, x)
	}()
	return nil
}

// Latest keeps only the newest value: when the buffer is full it drops
// the oldest. The receive is not a release of this send.
func Latest(updates chan float64, xs []float64) {
	for _, x := range xs {
		select {
		case updates <- x:
		default:
			<-updates
			updates <- x
		}
	}
}

// Lock is an acquire helper: it never gives the slot back itself.
func (t *Throttle) Lock() { t.slots <- struct{}{} }

// TryRun skips the work when no slot is free, and gives back the one it took.
func (p *Pool) TryRun(x float64) (float64, bool) {
	if !p.sem.TryAcquire(1) {
		return 0, false
	}
	defer p.sem.Release(1)
	y, err := predict(p.m, x)
	return y, err == nil
}

// RunAll releases before every return.
func (p *Pool) RunAll(ctx context.Context, xs []float64) error {
	for _, x := range xs {
		if err := p.sem.Acquire(ctx, 1); err != nil {
			return err
		}
		_, err := predict(p.m, x)
		p.sem.Release(1)
		if err != nil {
			return err
		}
	}
	return nil
}

// Warm takes every slot in one loop and gives them back in another, for
// each round: the counts match.
func Warm(rounds, n int) {
	slots := make(chan int, n)
	for r := 0; r < rounds; r++ {
		for i := 0; i < n; i++ {
			slots <- i
		}
		for i := 0; i < n; i++ {
			<-slots
		}
	}
}

// PingPong hands a value to a goroutine and takes one back: an unbuffered
// channel holds no slot (the goroutine left waiting on the early return is
// chanleak's business).
func PingPong(fail bool) error {
	ball := make(chan int)
	go func() {
		v := <-ball
		ball <- v + 1
	}()
	ball <- 1
	if fail {
		return errors.New("failed")
	}
	<-ball
	return nil
}

// Signal tells another goroutine that a result is ready; that goroutine
// receives it. Nothing is a slot.
func Signal(results chan error, fail bool) {
	results <- nil
	if fail {
		return
	}
	go func() { <-results }()
}

// Mailbox's channel carries messages: a send that an error path does not
// undo is a message delivered, not a slot kept.
type Mailbox struct{ box chan string }

func (m *Mailbox) Next() string { return <-m.box }

func (m *Mailbox) Drop() { <-m.box }

func (m *Mailbox) Post(msg string) error {
	m.box <- msg
	if msg == "" {
		return errors.New("empty message")
	}
	return nil
}

// handoff passes control between two goroutines on unbuffered channels:
// a send waits for the other side, it takes no slot.
type handoff struct {
	turn chan struct{}
	ctx  context.Context
}

func newHandoff(ctx context.Context) *handoff {
	return &handoff{turn: make(chan struct{}), ctx: ctx}
}

func (h *handoff) other() { <-h.turn }

func (h *handoff) yield() error {
	h.turn <- struct{}{}
	if h.ctx.Err() != nil {
		return h.ctx.Err()
	}
	return nil
}

// rally hands the turn over and waits for it back, unless it fails.
func (h *handoff) rally(fail bool) error {
	h.turn <- struct{}{}
	if fail {
		return errors.New("failed")
	}
	<-h.turn
	return nil
}
