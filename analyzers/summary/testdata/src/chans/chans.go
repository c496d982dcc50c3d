package chans

import "context"

func produce(ch chan<- int) { // want produce:"summary\\(send ch\\)"
	ch <- 1
}

func produceOrStop(ctx context.Context, ch chan<- int) { // want produceOrStop:"summary\\(send ch \\(way out\\)\\)"
	select {
	case ch <- 1:
	case <-ctx.Done():
	}
}

func drain(in <-chan int) { // want drain:"summary\\(range in \\(repeated\\)\\)"
	for range in {
	}
}

func finish(out chan int) { // want finish:"summary\\(close out\\)"
	close(out)
}

// The callee's operations are the caller's, on the caller's parameter.
func relay(c chan<- int) { // want relay:"summary\\(send c\\)"
	produce(c)
}

// A goroutine's operations are marked as such.
func spawn(c chan<- int) { // want spawn:"summary\\(send c \\(in go\\)\\)"
	go produce(c)
}

// A channel made here and returned: the goroutine that sends on it is
// the caller's business.
func Stream() <-chan int { // want Stream:"summary\\(close result 0 \\(in go\\); send result 0 \\(in go\\)\\)"
	ch := make(chan int)
	go func() {
		defer close(ch)
		ch <- 1
	}()
	return ch
}

// A generator: its goroutine sends once per loop turn.
func Count(n int) <-chan int { // want Count:"summary\\(close result 0 \\(in go\\); send result 0 \\(in go\\) \\(repeated\\)\\)"
	ch := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			ch <- i
		}
		close(ch)
	}()
	return ch
}

// A callee called in a loop repeats its operations.
func produceAll(ch chan<- int, n int) { // want produceAll:"summary\\(send ch \\(repeated\\)\\)"
	for i := 0; i < n; i++ {
		produce(ch)
	}
}

type worker struct {
	updates chan int
	done    chan struct{}
}

func (w *worker) run() { // want run:"summary\\(send w.updates\\)"
	w.updates <- 1
}

func (w *worker) wait() { // want wait:"summary\\(recv w.done\\)"
	<-w.done
}

func (w *worker) loop() { // want loop:"summary\\(recv w.done \\(way out\\) \\(repeated\\); recv w.updates \\(way out\\) \\(repeated\\); never returns\\)"
	for {
		select {
		case <-w.done:
		case <-w.updates:
		}
	}
}

// A channel the function makes and keeps is nobody else's business.
func local() {
	ch := make(chan int, 1)
	ch <- 1
	<-ch
}

// Nothing about channels: no summary.
func add(a, b int) int { return a + b }

// A captured channel, through a closure called in place.
func captured(ch chan int) { // want captured:"summary\\(send ch\\)"
	func() { ch <- 1 }()
}

func Exported(c chan int) { // want Exported:"summary\\(close c\\)"
	finish(c)
}

// A channel in a field of a field keeps its whole path, through pointers
// or values, and through a helper called on the inner value.
type health struct {
	stop chan struct{}
}

type state struct {
	health *health
	probe  health
}

type container struct {
	state *state
}

func (h *health) closeMonitor() { // want closeMonitor:"summary\\(send h.stop\\)"
	h.stop <- struct{}{}
}

func stopMonitor(c *container) { // want stopMonitor:"summary\\(send c.state.health.stop\\)"
	h := c.state.health
	h.closeMonitor()
}

func waitProbe(c *container) { // want waitProbe:"summary\\(recv c.state.probe.stop\\)"
	<-c.state.probe.stop
}

// A path longer than four fields is not followed.
type l4 struct{ c *container }
type l5 struct{ l *l4 }

func deep(x *l5) {
	<-x.l.c.state.health.stop
}
