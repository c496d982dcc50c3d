// Package lifetime holds owners (streams, batchers, sessions) whose Close
// cancels the context a background goroutine waits on, and callers that
// drop them without it.
package lifetime

import (
	"context"
	"errors"
	"io"
	"time"
)

// --- A stream made and returned by its constructor (Cockroach13197's shape).

type TokenStream struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    []string
}

func newTokenStream(parent context.Context) *TokenStream {
	ctx, cancel := context.WithCancel(parent)
	s := &TokenStream{ctx: ctx, cancel: cancel}
	go s.watch()
	return s
}

func (s *TokenStream) watch() {
	<-s.ctx.Done() // want `goroutine s.watch blocks forever on <-s.ctx.Done\(\): Generate drops the \*TokenStream from newTokenStream \(line \d+\) without calling Close, which cancels the context it waits on`
	s.out = nil
}

func (s *TokenStream) Next() string { return "tok" }

func (s *TokenStream) Close() error {
	s.shutdown()
	return nil
}

func (s *TokenStream) shutdown() { s.cancel() }

// Generate reads a few tokens and forgets to close the stream.
func Generate() string {
	s := newTokenStream(context.Background())
	return s.Next() + s.Next()
}

// --- A batcher whose start method keeps the cancel in its receiver
// (Cockroach13755's shape), the context passed to a method goroutine.

type Batcher struct {
	cancel context.CancelFunc
	queue  chan []float32
}

func (b *Batcher) start(ctx context.Context) {
	ctx, b.cancel = context.WithCancel(ctx)
	go b.flushOnStop(ctx)
}

func (b *Batcher) flushOnStop(ctx context.Context) {
	<-ctx.Done() // want `goroutine b.flushOnStop blocks forever on <-ctx.Done\(\): ServeBatch drops the \*Batcher after b.start \(line \d+\) without calling Stop, which cancels the context it waits on`
	b.queue = nil
}

func (b *Batcher) Stop() {
	if b.cancel != nil {
		b.cancel()
	}
}

func (b *Batcher) Add(x []float32) {}

// ServeBatch never stops the batcher it made.
func ServeBatch(xs [][]float32) {
	b := &Batcher{}
	b.start(context.Background())
	for _, x := range xs {
		b.Add(x)
	}
}

// --- A session whose goroutine is a literal capturing the derived context,
// waiting in a one-case select.

type Session struct {
	stop  func()
	model string
}

func openSession(model string) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{stop: cancel, model: model}
	go func() {
		select {
		case <-ctx.Done(): // want `the goroutine started at line 94 blocks forever on <-ctx.Done\(\): Predict drops the \*Session from openSession \(line \d+\) without calling Close, which cancels the context it waits on`
		}
		s.model = ""
	}()
	return s
}

func (s *Session) Close() { s.stop() }

func (s *Session) Run(x float32) float32 { return x }

// Predict drops the session after one call.
func Predict(x float32) float32 {
	return openSession("resnet").Run(x)
}

// --- A loader closed on one path only.

type Loader struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func NewLoader() *Loader {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Loader{ctx: ctx, cancel: cancel}
	go l.prefetch()
	return l
}

func (l *Loader) prefetch() {
	<-l.ctx.Done() // want `goroutine l.prefetch blocks forever on <-l.ctx.Done\(\): Epoch returns at line \d+ with the \*Loader from NewLoader \(line \d+\) and no call Close, which cancels the context it waits on`
}

func (l *Loader) Close() { l.cancel() }

func (l *Loader) Batch() ([]float32, error) { return nil, nil }

// Epoch returns on the first error without closing the loader.
func Epoch() error {
	l := NewLoader()
	if _, err := l.Batch(); err != nil {
		return err
	}
	l.Close()
	return nil
}

// --- Near misses: each must stay silent.

type Stream struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func NewStream(parent context.Context) *Stream {
	ctx, cancel := context.WithCancel(parent)
	s := &Stream{ctx: ctx, cancel: cancel}
	go s.await()
	return s
}

func (s *Stream) await() { <-s.ctx.Done() }

func (s *Stream) Close() error { s.cancel(); return nil }

func (s *Stream) Recv() string { return "" }

var streams []*Stream

type server struct{ s *Stream }

// Deferred close.
func deferred() string {
	s := NewStream(context.Background())
	defer s.Close()
	return s.Recv()
}

// Closed on every path.
func everyPath(fail bool) error {
	s := NewStream(context.Background())
	if fail {
		s.Close()
		return errors.New("fail")
	}
	s.Close()
	return nil
}

// Returned to the caller, who owns it.
func returned() *Stream {
	return NewStream(context.Background())
}

// Stored: whoever holds the server closes it.
func stored(srv *server) {
	srv.s = NewStream(context.Background())
}

// Appended to a package-level list.
func appended() {
	streams = append(streams, NewStream(context.Background()))
}

// The parent is the request's context: it ends with the request.
func request(ctx context.Context) string {
	s := NewStream(ctx)
	return s.Recv()
}

// The parent has a deadline.
func deadline() string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s := NewStream(ctx)
	return s.Recv()
}

// Closed through a helper of the package.
func closeAll(s *Stream) { s.Close() }

func helper() {
	s := NewStream(context.Background())
	closeAll(s)
}

// Handed out as an io.Closer.
func asCloser(register func(io.Closer)) {
	register(NewStream(context.Background()))
}

// Closed in a deferred closure.
func deferredClosure() {
	s := NewStream(context.Background())
	defer func() { s.Close() }()
	s.Recv()
}

// A nil check before the close: the stream is never nil.
func nilChecked() {
	s := NewStream(context.Background())
	if s != nil {
		s.Close()
	}
}

// --- Near misses in the starter or the goroutine.

// The goroutine has another way out: its input channel.
type Pump struct {
	cancel context.CancelFunc
	in     chan int
}

func NewPump() *Pump {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pump{cancel: cancel, in: make(chan int)}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-p.in:
			}
		}
	}()
	return p
}

func (p *Pump) Close() { p.cancel() }

func dropPump() { NewPump() }

// The goroutine may return before it waits.
type Lazy struct {
	ctx    context.Context
	cancel context.CancelFunc
	off    bool
}

func NewLazy() *Lazy {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lazy{ctx: ctx, cancel: cancel}
	go l.run()
	return l
}

func (l *Lazy) run() {
	if l.off {
		return
	}
	<-l.ctx.Done()
}

func (l *Lazy) Close() { l.cancel() }

func dropLazy() { NewLazy() }

// The cancel is also kept elsewhere: a timer calls it.
type Timed struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func NewTimed() *Timed {
	ctx, cancel := context.WithCancel(context.Background())
	t := &Timed{ctx: ctx, cancel: cancel}
	time.AfterFunc(time.Second, cancel)
	go t.wait()
	return t
}

func (t *Timed) wait() { <-t.ctx.Done() }

func (t *Timed) Close() { t.cancel() }

func dropTimed() { NewTimed() }

// The constructor registers the owner before returning it.
type Registered struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var registry = map[string]*Registered{}

func NewRegistered(name string) *Registered {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Registered{ctx: ctx, cancel: cancel}
	registry[name] = r
	go r.wait()
	return r
}

func (r *Registered) wait() { <-r.ctx.Done() }

func (r *Registered) Close() { r.cancel() }

func dropRegistered() { NewRegistered("x") }

// A constructor that may fail: a caller that closes the owner only on
// success returns on the failure path, where nothing may have started.
type Conn struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func Dial(addr string) (*Conn, error) {
	if addr == "" {
		return nil, errors.New("no address")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{ctx: ctx, cancel: cancel}
	go c.keepalive()
	return c, nil
}

func (c *Conn) keepalive() { <-c.ctx.Done() }

func (c *Conn) Close() { c.cancel() }

func dialOnce(addr string) error {
	c, err := Dial(addr)
	if err != nil {
		return err
	}
	c.Close()
	return nil
}

// The error is passed on unlooked-at: the dial may have failed and
// started nothing.
func dialEarly(addr string, quick bool) error {
	c, err := Dial(addr)
	if quick {
		return err
	}
	if err != nil {
		return err
	}
	c.Close()
	return nil
}

// --- The same shape, with a path that returns after the dial succeeded.

type Client struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func DialClient(addr string) (*Client, error) {
	if addr == "" {
		return nil, errors.New("no address")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{ctx: ctx, cancel: cancel}
	go c.keepalive()
	return c, nil
}

func (c *Client) keepalive() {
	<-c.ctx.Done() // want `goroutine c.keepalive blocks forever on <-c.ctx.Done\(\): pingOnce returns at line \d+ with the \*Client from DialClient \(line \d+\) and no call Close, which cancels the context it waits on`
}

func (c *Client) Close() { c.cancel() }

func (c *Client) Ping() error { return nil }

// pingOnce returns on a failed ping without closing the client.
func pingOnce(addr string) error {
	c, err := DialClient(addr)
	if err != nil {
		return err
	}
	if err := c.Ping(); err != nil {
		return err
	}
	c.Close()
	return nil
}
