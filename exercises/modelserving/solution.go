package modelserving

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors a request can get instead of a prediction.
var (
	errQueueFull    = errors.New("queue full")
	errShuttingDown = errors.New("shutting down")
)

// solution is a dynamically batching server. Handlers put their request in a
// bounded queue and wait for its answer; one batcher goroutine, owned by the
// server, takes up to MaxBatch waiting requests (sending early when the
// oldest has waited MaxWait), makes one model call for them, and hands each
// request its own output.
func solution(model Model, cfg Config) Server {
	cfg.MaxBatch = max(cfg.MaxBatch, 1) // a batch of zero would never serve anyone
	cfg.QueueSize = max(cfg.QueueSize, 1)
	// base lives as long as the batcher; cancelling it (a forced shutdown)
	// aborts the model call under way.
	base, abort := context.WithCancel(context.Background())
	s := &batchingServer{
		model:    model,
		cfg:      cfg,
		abort:    abort,
		wake:     make(chan struct{}, 1),
		idle:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go s.loop(base) // ends once Shutdown was called and the queue is empty, or on abort
	return s
}

// pending is one admitted request waiting for its prediction.
type pending struct {
	ctx      context.Context // the request's: its deadline, and cancelled if the client leaves
	in       Input
	enqueued time.Time
	// reply is buffered so the batcher never blocks on a handler that has
	// already given up (deadline or disconnect) and will never read it.
	reply chan reply
}

type reply struct {
	out Output
	err error
}

type batchingServer struct {
	model Model
	cfg   Config
	abort context.CancelFunc

	mu     sync.Mutex
	queue  []*pending // admitted, not yet taken by the batcher; len <= QueueSize
	closed bool       // Shutdown was called
	active int        // admitted requests whose handler has not returned
	idle   chan struct{}

	// wake has room for one signal: enqueue and Shutdown send without
	// blocking, and a pending signal is enough for the batcher to look again.
	wake     chan struct{}
	loopDone chan struct{} // closed when the batcher returns
}

// ServeHTTP admits a request into the queue, or refuses it at once, and
// waits for its answer, its deadline or its client's departure.
func (s *batchingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, err := DecodeInput(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	p := &pending{ctx: ctx, in: in, enqueued: time.Now(), reply: make(chan reply, 1)}
	switch err := s.enqueue(p); {
	case errors.Is(err, errShuttingDown):
		WriteError(w, http.StatusServiceUnavailable, err.Error())
		return
	case errors.Is(err, errQueueFull):
		// Shed load now rather than queue work that would miss its
		// deadline anyway: the client can back off or try another replica.
		WriteError(w, http.StatusTooManyRequests, err.Error())
		return
	}
	defer s.finish()

	select {
	case rep := <-p.reply:
		switch {
		case rep.err == nil:
			WriteOutput(w, rep.out)
		case ctx.Err() != nil:
			s.writeAbandoned(w, r)
		case errors.Is(rep.err, errShuttingDown) || errors.Is(rep.err, context.Canceled):
			WriteError(w, http.StatusServiceUnavailable, "shutting down")
		default:
			WriteError(w, http.StatusInternalServerError, rep.err.Error())
		}
	case <-ctx.Done():
		// Free the slot now, not when the batcher gets to it; if the
		// batcher already took the request, its model call is cancelled
		// once every request in the batch has gone (see run).
		s.remove(p)
		s.writeAbandoned(w, r)
	}
}

// writeAbandoned answers a request whose context ended: 504 if its deadline
// passed, nothing if its client left.
func (s *batchingServer) writeAbandoned(w http.ResponseWriter, r *http.Request) {
	if r.Context().Err() != nil {
		return // the client is gone: nobody to answer
	}
	WriteError(w, http.StatusGatewayTimeout, "deadline passed")
}

func (s *batchingServer) enqueue(p *pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errShuttingDown
	case len(s.queue) >= s.cfg.QueueSize:
		return errQueueFull
	}
	s.queue = append(s.queue, p)
	s.active++
	s.signal()
	return nil
}

// remove takes p out of the queue if it is still there.
func (s *batchingServer) remove(p *pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.queue, p); i >= 0 {
		s.queue = slices.Delete(s.queue, i, i+1)
	}
}

// finish marks an admitted request's handler as done.
func (s *batchingServer) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.closed && s.active == 0 {
		close(s.idle)
	}
}

// signal wakes the batcher without blocking.
func (s *batchingServer) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // a signal is already pending
	}
}

// Shutdown refuses new requests, lets the batcher drain the queue, and waits
// for every admitted request to be answered and the batcher to return. If
// ctx ends first it aborts: the model call is cancelled and the requests
// still waiting are answered 503.
func (s *batchingServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		if s.active == 0 {
			close(s.idle)
		}
	}
	s.mu.Unlock()
	s.signal() // a batcher waiting for MaxWait sends what it has at once
	select {
	case <-s.idle:
	case <-ctx.Done():
		s.abort()
		<-s.loopDone // returns promptly: its context is cancelled
		return ctx.Err()
	}
	select {
	case <-s.loopDone: // the queue is empty and closed: the batcher is returning
		s.abort() // release the base context's resources
		return nil
	case <-ctx.Done():
		s.abort()
		<-s.loopDone
		return ctx.Err()
	}
}

// loop is the batcher: one model call at a time, since the model is one device.
func (s *batchingServer) loop(ctx context.Context) {
	defer close(s.loopDone)
	defer s.failQueued() // on abort, whoever still waits gets 503 rather than a hang
	for {
		batch, ok := s.nextBatch(ctx)
		if !ok {
			return
		}
		s.run(ctx, batch)
	}
}

// nextBatch waits for a request, then until MaxBatch are waiting or the
// oldest has waited MaxWait (no waiting once shutting down: nobody else is
// coming), and takes up to MaxBatch requests whose clients still wait. It
// returns false when shutting down with an empty queue, or on abort.
func (s *batchingServer) nextBatch(ctx context.Context) ([]*pending, bool) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		s.mu.Lock()
		n, closed := len(s.queue), s.closed
		var oldest time.Time
		if n > 0 {
			oldest = s.queue[0].enqueued
		}
		if n > 0 && (n >= s.cfg.MaxBatch || closed || time.Since(oldest) >= s.cfg.MaxWait) {
			batch := make([]*pending, 0, min(n, s.cfg.MaxBatch))
			k := 0
			for _, p := range s.queue {
				if len(batch) == s.cfg.MaxBatch {
					break
				}
				k++
				if p.ctx.Err() == nil { // skip requests that gave up but have not removed themselves yet
					batch = append(batch, p)
				}
			}
			s.queue = slices.Delete(s.queue, 0, k)
			s.mu.Unlock()
			if len(batch) == 0 {
				continue
			}
			return batch, true
		}
		s.mu.Unlock()
		if n == 0 && closed {
			return nil, false
		}

		// Sleep until something changes: a new request or Shutdown (wake),
		// the oldest request's MaxWait running out (timer), or an abort.
		var timeout <-chan time.Time
		if n > 0 {
			d := s.cfg.MaxWait - time.Since(oldest)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d) // Go 1.23+: Reset on an unread timer discards its stale value
			}
			timeout = timer.C
		}
		select {
		case <-s.wake:
		case <-timeout:
		case <-ctx.Done():
			return nil, false
		}
	}
}

// run makes one model call for batch and answers each request with its own
// output (outputs are in the batch's order).
func (s *batchingServer) run(ctx context.Context, batch []*pending) {
	// The call serves everyone in the batch, so one client leaving must not
	// cancel it; cancel it only when all of them have left.
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var waiting atomic.Int64
	waiting.Store(int64(len(batch)))
	inputs := make([]Input, len(batch))
	for i, p := range batch {
		inputs[i] = p.in
		stop := context.AfterFunc(p.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}

	outs, err := s.model.PredictBatch(callCtx, inputs)
	if err == nil && len(outs) != len(batch) {
		err = errors.New("model returned a wrong number of outputs")
	}
	for i, p := range batch {
		if err != nil {
			p.reply <- reply{err: err}
		} else {
			p.reply <- reply{out: outs[i]}
		}
	}
}

// failQueued answers every request still queued with errShuttingDown.
func (s *batchingServer) failQueued() {
	s.mu.Lock()
	queued := s.queue
	s.queue = nil
	s.mu.Unlock()
	for _, p := range queued {
		p.reply <- reply{err: errShuttingDown} // buffered, and nobody else replies to a queued request
	}
}
