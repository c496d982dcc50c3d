package fields

import "context"

type watch struct {
	ctx     context.Context
	results chan bool
	errs    chan error
	stop    chan struct{}
}

func newWatch(ctx context.Context) *watch {
	return &watch{ctx: ctx, results: make(chan bool), errs: make(chan error), stop: make(chan struct{})}
}

func (w *watch) run() {
	select {
	case err := <-w.errs:
		w.results <- err == nil // want `send on w.results blocks forever: nothing in the package receives from field results`
	case <-w.ctx.Done():
	}
}

func (w *watch) fail(err error) { w.errs <- err }

func (w *watch) wait() {
	<-w.stop // want `receive from field stop blocks forever: nothing in the package sends on or closes it`
}

// --- must stay silent ---

type served struct {
	in   chan int
	out  chan int
	done chan struct{}
	pub  chan int
	Exp  chan int
}

func (s *served) loop() {
	for v := range s.in {
		s.out <- v
	}
	close(s.done)
}

func (s *served) use() int {
	s.in <- 1
	close(s.in)
	v := <-s.out
	<-s.done
	return v
}

// Handed out: someone else may receive.
func (s *served) Pub() <-chan int { return s.pub }

func (s *served) send() { s.pub <- 1 }

// Exported: other packages may receive.
func (s *served) sendExp() { s.Exp <- 1 }

type optional struct {
	quit chan struct{}
}

// With a way out, not blocking forever.
func (o *optional) tick(ctx context.Context) {
	select {
	case <-o.quit:
	case <-ctx.Done():
	}
}

type fragment struct {
	updates chan string
}

// Never made in the package: set from outside, or nil (another bug).
func (f *fragment) publish(k string) { f.updates <- k }

type stopper struct {
	quiesce chan struct{}
	stopped chan struct{}
}

func newStopper() *stopper {
	return &stopper{quiesce: make(chan struct{}), stopped: make(chan struct{})}
}

// The accessor hands the field out; its calls are the field.
func (s *stopper) ShouldQuiesce() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.quiesce
}

func process(s *stopper) {
	<-s.ShouldQuiesce() // want `receive from field quiesce blocks forever: nothing in the package sends on or closes it`
}

func (s *stopper) Stopped() <-chan struct{} { return s.stopped }

func (s *stopper) Stop() { close(s.stopped) }

// Closed by Stop: silent.
func wait(s *stopper) { <-s.Stopped() }

type handed struct{ c chan int }

func newHanded() *handed { return &handed{c: make(chan int)} }

func (h *handed) C() chan int { return h.c }

func (h *handed) put() { h.c <- 1 }

// The accessor's result is handed on: someone else may receive. Silent.
func Give(h *handed) chan int {
	ch := h.C()
	return ch
}

// A generic type: every method sees its own instance of the field. Silent.
type queue[E any] struct{ items chan E }

func newQueue[E any]() *queue[E] { return &queue[E]{items: make(chan E)} }

func (q *queue[E]) push(e E) { q.items <- e }

func (q *queue[E]) pop() E { return <-q.items }

// An exported accessor hands the channel to other packages, which receive
// from Updates(): the package's sends are served there. Silent.
type watcher struct{ updates chan int }

func newWatcher() *watcher { return &watcher{updates: make(chan int)} }

func (w *watcher) Updates() <-chan int { return w.updates }

func (w *watcher) publish(v int) { w.updates <- v }

// A receive-only accessor lets other packages receive, never send or
// close: a receive in the package still has nobody on the other side.
type inbox struct{ in chan int }

func newInbox() *inbox { return &inbox{in: make(chan int)} }

func (b *inbox) In() <-chan int { return b.in }

func (b *inbox) next() int { return <-b.in } // want `receive from field in blocks forever: nothing in the package sends on or closes it`

// --- goroutines that reach a stuck operation through a call ---

type cacheWatcher struct {
	result chan int
	input  chan int
}

func newCacheWatcher(initial []int) *cacheWatcher {
	w := &cacheWatcher{result: make(chan int), input: make(chan int, 1)}
	go w.process(initial)
	return w
}

func (c *cacheWatcher) process(initial []int) {
	for _, v := range initial {
		c.emit(v) // want `the goroutine started at line 162 blocks forever in c.emit: send on c.result \(line 175\), which nothing in the package receives from`
	}
	for range c.input {
	}
}

func (c *cacheWatcher) emit(v int) {
	c.result <- v // want `send on c.result blocks forever: nothing in the package receives from field result`
}

func (c *cacheWatcher) stop() { close(c.input) }

type stopper struct{ quiesce chan struct{} }

func (s *stopper) wait() {
	<-s.quiesce // want `receive from field quiesce blocks forever: nothing in the package sends on or closes it`
}

func startQueue() {
	s := &stopper{quiesce: make(chan struct{})}
	go func() {
		s.wait() // want `the goroutine started at line 188 blocks forever in s.wait: receive from field quiesce \(line 183\), which nothing in the package sends on or closes`
	}()
	// Not a goroutine: only the operation is reported.
	s.wait()
}

// A goroutine calling a method whose field is served stays silent.
func (s *served) start() {
	go func() { s.use() }()
}
