// Package serving holds the near misses of lockblock on a model server:
// each silent shape next to the bug that must still be reported.
package serving

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"sync"
	"time"
)

// Batch is a batch of requests.
type Batch []string

// Batcher hands batches to the model loop.
type Batcher struct {
	mu      sync.Mutex
	pending Batch
	out     chan Batch
	quit    chan struct{}
	closing chan struct{}
}

// FlushTimeout gives up after a deadline: the lock is held at most that
// long, which is what the caller asked for.
func (b *Batcher) FlushTimeout(d time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.out <- b.pending:
		b.pending = nil
		return true
	case <-time.After(d):
		return false
	}
}

// FlushCtx gives up when the caller's context ends.
func (b *Batcher) FlushCtx(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.out <- b.pending:
		b.pending = nil
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FlushOrClose gives up when the batcher closes: Close closes closing
// before it takes the lock.
func (b *Batcher) FlushOrClose() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.out <- b.pending:
		b.pending = nil
	case <-b.closing:
	}
}

// Close ends FlushOrClose's wait, then takes the lock.
func (b *Batcher) Close() {
	close(b.closing)
	b.mu.Lock()
	b.pending = nil
	b.mu.Unlock()
}

// FlushOrQuit waits for quit, but Stop takes the lock before it closes
// quit: the way out needs the lock held here.
func (b *Batcher) FlushOrQuit() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select { // want `b.mu is held while blocked in a select without default: every goroutine that needs b.mu waits until a case is ready`
	case b.out <- b.pending:
		b.pending = nil
	case <-b.quit:
	}
}

// Stop takes the lock, then closes quit.
func (b *Batcher) Stop() {
	b.mu.Lock()
	b.pending = nil
	b.mu.Unlock()
	close(b.quit)
}

// Pool scores with workers.
type Pool struct {
	mu     sync.Mutex
	scores []float64
	wg     sync.WaitGroup
}

func score(x float64) float64 { return x * 2 }

// Rescore waits, holding the lock, for workers that never take it: they
// get to Done without it.
func (p *Pool) Rescore(xs []float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]float64, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = score(x)
		}()
	}
	wg.Wait()
	p.scores = out
}

// Record stores a score under the lock.
func (p *Pool) Record(i int, s float64) {
	p.mu.Lock()
	p.scores[i] = s
	p.mu.Unlock()
}

// RescoreShared waits for workers that record under the same lock.
func (p *Pool) RescoreShared(xs []float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range xs {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.Record(i, score(x))
		}()
	}
	p.wg.Wait() // want `p.mu is held while waiting in p.wg.Wait`
}

// Loader loads weights in the background.
type Loader struct {
	mu      sync.Mutex
	weights []byte
	done    chan struct{}
	ready   chan struct{}
}

// Start loads without the lock.
func (l *Loader) Start(src io.Reader) {
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		buf := make([]byte, 16)
		_, _ = src.Read(buf)
	}()
}

// Wait waits, holding the lock, for a loader that never takes it.
func (l *Loader) Wait() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	<-l.done
	return l.weights
}

// StartLocked loads and stores under the lock before it signals.
func (l *Loader) StartLocked() {
	l.ready = make(chan struct{})
	go func() {
		l.mu.Lock()
		l.weights = []byte{1}
		l.mu.Unlock()
		close(l.ready)
	}()
}

// WaitReady waits, holding the lock, for a goroutine that needs it.
func (l *Loader) WaitReady() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	<-l.ready // want `l.mu is held while receiving from l.ready`
	return l.weights
}

// Registry is served by one loop goroutine.
type Registry struct {
	runningMu sync.Mutex
	running   bool
	models    []string
	snapshot  chan chan []string
}

// NewRegistry starts the loop.
func NewRegistry() *Registry {
	r := &Registry{snapshot: make(chan chan []string)}
	go r.loop()
	return r
}

func (r *Registry) loop() {
	for reply := range r.snapshot {
		reply <- append([]string(nil), r.models...)
	}
}

// Models asks the loop, which never takes runningMu, for a copy: the lock
// only orders the callers.
func (r *Registry) Models() []string {
	r.runningMu.Lock()
	defer r.runningMu.Unlock()
	reply := make(chan []string, 1)
	r.snapshot <- reply
	return <-reply
}

// Slots hands out scratch buffers through a channel used as a lock.
type Slots struct {
	mu    sync.Mutex
	tok   chan []byte
	calls int
}

// NewSlots fills the one slot where it makes it.
func NewSlots() *Slots {
	tok := make(chan []byte, 1)
	tok <- make([]byte, 1024)
	return &Slots{tok: tok}
}

// Use takes the scratch buffer under the lock: receiving acquires it.
func (s *Slots) Use() {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf := <-s.tok
	s.calls++
	s.tok <- buf
}

// Results buffers results that a worker fills later.
type Results struct {
	mu      sync.Mutex
	results chan float64
	timer   *time.Timer
	done    bool
	result  chan float64
	fired   bool
}

// NewResults makes the buffered channels.
func NewResults() *Results {
	return &Results{results: make(chan float64, 8), result: make(chan float64, 1)}
}

// DrainReady takes only what is already buffered.
func (r *Results) DrainReady() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []float64
	for len(r.results) > 0 {
		out = append(out, <-r.results)
	}
	return out
}

// Next waits for a result that nothing in sight will send.
func (r *Results) Next() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return <-r.results // want `r.mu is held while receiving from r.results`
}

// Rearm drains the stopped timer's channel: Stop returned false, so the
// timer fired and its value is there.
func (r *Results) Rearm(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.timer.Stop() {
		<-r.timer.C
	}
	r.timer.Reset(d)
}

// WaitTimer waits for the timer under the lock.
func (r *Results) WaitTimer() {
	r.mu.Lock()
	defer r.mu.Unlock()
	<-r.timer.C // want `r.mu is held while receiving from r.timer.C`
}

// Deliver sends the one result and says so.
func (r *Results) Deliver(x float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	r.result <- x
}

// Take receives only when done says the result was sent.
func (r *Results) Take() (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return <-r.result, true
	}
	return 0, false
}

// Fire sets fired without sending anything.
func (r *Results) Fire() {
	r.mu.Lock()
	r.fired = true
	r.mu.Unlock()
}

// TakeFired trusts a flag that is set without a send.
func (r *Results) TakeFired() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fired {
		return <-r.result // want `r.mu is held while receiving from r.result`
	}
	return 0
}

// Refresh answers every waiter of one metadata refresh.
type Refresh struct {
	mu    sync.Mutex
	chans []chan error
}

// Wait registers a waiter with a one-slot channel.
func (r *Refresh) Wait() chan error {
	ch := make(chan error, 1)
	r.chans = append(r.chans, ch)
	return ch
}

// Done answers each waiter once and keeps the slice's memory: each send
// fills an empty one-slot channel.
func (r *Refresh) Done(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.chans {
		ch <- err
	}
	r.chans = r.chans[:0]
}

// Server holds its listener and its session keys.
type Server struct {
	mu  sync.Mutex
	ln  net.Listener
	key [32]byte
	rnd io.Reader
}

func (s *Server) random() io.Reader {
	if s.rnd == nil {
		return rand.Reader
	}
	return s.rnd
}

// Listen binds a local socket under the lock: no peer to wait for.
func (s *Server) Listen(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ln, err := net.Listen("tcp", addr)
	s.ln = ln
	return err
}

// Dial waits for a peer under the lock.
func (s *Server) Dial(addr string) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.Dial("tcp", addr) // want `s.mu is held during net.Dial, which does network I/O`
}

// Rotate reads a new key from the random source.
func (s *Server) Rotate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := io.ReadFull(s.random(), s.key[:])
	return err
}

// Body reads a request body; mu guards the reads.
type Body struct {
	mu  sync.Mutex
	src io.Reader
}

type bodyLocked struct{ b *Body }

func (bl bodyLocked) Read(p []byte) (int, error) { return bl.b.src.Read(p) }

// Close drains the body through the reader that needs mu held: the lock
// belongs with the stream.
func (b *Body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := io.Copy(io.Discard, bodyLocked{b})
	return err
}

// Watchers sends events to channels its callers hand in.
type Watchers struct {
	mu    sync.Mutex
	chans []chan string
}

// Watch registers the caller's channel: who receives on it is out of sight.
func (w *Watchers) Watch(ch chan string) {
	w.mu.Lock()
	w.chans = append(w.chans, ch)
	w.mu.Unlock()
}

// Publish sends under the lock to the callers' channels.
func (w *Watchers) Publish(ev string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.chans {
		ch <- ev // want `w.mu is held while sending on ch`
	}
}

// Local watches its own events in a goroutine that never takes the lock.
func (w *Watchers) Local() {
	ch := make(chan string)
	go func() {
		for range ch {
		}
	}()
	w.Watch(ch)
}

// Stream reads a prediction stream from its own connection; the embedded
// mutex guards it.
type Stream struct {
	sync.Mutex
	r       io.Reader
	timeout time.Duration
}

// Read reads with a deadline from the stream's own connection: the lock
// belongs with it.
func (o *Stream) Read(p []byte) (int, error) {
	o.Lock()
	defer o.Unlock()
	c := o.r.(net.Conn)
	_ = c.SetReadDeadline(time.Now().Add(o.timeout))
	return c.Read(p)
}

// Fetch reads, under the server's lock, from a connection it was handed.
func (s *Server) Fetch(c net.Conn, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.Read(p) // want `s.mu is held during c.Read, which does network I/O`
}

type timeoutWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// Timeout writes the timeout body to the writer the timeoutWriter wraps,
// under its lock, so that the handler cannot write at the same time.
func Timeout(w io.Writer, log io.Writer) {
	tw := &timeoutWriter{w: w}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	_, _ = io.WriteString(w, "timeout")
	_, _ = io.WriteString(log, "timed out") // want `tw.mu is held during io.WriteString, which does I/O`
}

// replyReq is a request waiting for its answer on reply.
type replyReq struct {
	ctx   context.Context
	reply chan string
}

// Replier answers queued requests from one loop goroutine.
type Replier struct {
	mu     sync.Mutex
	served int
	queue  chan replyReq
}

// Serve is the loop: it answers under mu on the unbuffered reply, but the
// handler below may have left on its deadline, so the send can block for
// ever with mu held.
func (r *Replier) Serve() {
	for req := range r.queue {
		r.mu.Lock()
		req.reply <- "ok" // want `r.mu is held while sending on req.reply`
		r.served++
		r.mu.Unlock()
	}
}

// Handle waits for its answer or its deadline, whichever comes first.
func (r *Replier) Handle(ctx context.Context) string {
	req := replyReq{ctx: ctx, reply: make(chan string)}
	r.queue <- req
	select {
	case s := <-req.reply:
		return s
	case <-ctx.Done():
		return ""
	}
}

// Start runs the loop.
func (r *Replier) Start() { go r.Serve() }

// Scheduler's run loop serves add until Stop sends on stop, and Stop does
// that under the same mutex that Add holds while it sends: while Add holds
// it, the loop cannot leave, so the send always finds its receiver. Its
// timer case stays in the loop, so it is no way out either.
type Scheduler struct {
	mu      sync.Mutex
	running bool
	add     chan string
	stop    chan struct{}
	jobs    []string
}

// Start starts the run loop.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = true
	go s.run()
}

func (s *Scheduler) run() {
	for {
		select {
		case j := <-s.add:
			s.jobs = append(s.jobs, j)
		case <-time.After(time.Minute):
			s.jobs = s.jobs[:0] // a tick stays in the loop: no way out
		case <-s.stop:
			return
		}
	}
}

// Add hands a job to the loop.
func (s *Scheduler) Add(j string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		s.add <- j
	}
}

// Stop ends the loop.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		s.stop <- struct{}{}
		s.running = false
	}
}
