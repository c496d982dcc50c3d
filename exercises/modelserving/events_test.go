package modelserving

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"
)

// eventServer is a correct answer in a third style: no long-lived batcher.
// A model call is a goroutine started by whichever event finds the device
// free with a batch ready: an arrival that fills a batch, the oldest
// request's MaxWait (time.AfterFunc), the end of the previous call, or
// Shutdown. Everything it starts is counted in one WaitGroup that Shutdown
// waits for.
func eventServer(model Model, cfg Config) Server {
	base, abort := context.WithCancel(context.Background())
	return &events{model: model, cfg: cfg, base: base, abort: abort, idle: make(chan struct{})}
}

type eventReq struct {
	ctx   context.Context
	in    Input
	at    time.Time
	reply chan reply  // buffered: a call never blocks on a handler that left
	call  *eventsCall // set when a call takes the request
}

type eventsCall struct {
	waiting int // requests of the call whose clients still wait
	cancel  context.CancelFunc
}

type events struct {
	model Model
	cfg   Config
	base  context.Context
	abort context.CancelFunc

	mu      sync.Mutex
	queue   []*eventReq
	busy    bool        // a model call runs
	timer   *time.Timer // armed for the oldest request's MaxWait
	closed  bool
	active  int           // admitted handlers not yet returned
	idle    chan struct{} // closed once closed and active == 0
	started sync.WaitGroup
}

func (s *events) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, err := DecodeInput(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	q := &eventReq{ctx: ctx, in: in, at: time.Now(), reply: make(chan reply, 1)}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		WriteError(w, http.StatusServiceUnavailable, "shutting down")
		return
	case len(s.queue) >= s.cfg.QueueSize:
		s.mu.Unlock()
		WriteError(w, http.StatusTooManyRequests, "queue full")
		return
	}
	s.queue = append(s.queue, q)
	s.active++
	s.kickLocked()
	s.mu.Unlock()
	defer s.finish()

	select {
	case rep := <-q.reply:
		switch {
		case rep.err == nil:
			WriteOutput(w, rep.out)
		case ctx.Err() != nil:
			abandoned(w, r)
		case errors.Is(rep.err, errShuttingDown) || errors.Is(rep.err, context.Canceled):
			WriteError(w, http.StatusServiceUnavailable, "shutting down")
		default:
			WriteError(w, http.StatusInternalServerError, rep.err.Error())
		}
	case <-ctx.Done():
		s.leave(q)
		abandoned(w, r)
	}
}

// leave frees q's queue slot, or, if a call took q, cancels that call once
// none of its clients waits any more.
func (s *events) leave(q *eventReq) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.queue, q); i >= 0 {
		s.queue = slices.Delete(s.queue, i, i+1)
		return
	}
	if c := q.call; c != nil {
		if c.waiting--; c.waiting == 0 {
			c.cancel()
		}
	}
}

func (s *events) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.closed && s.active == 0 {
		close(s.idle)
	}
}

// kickLocked starts a call if the device is free and a batch is ready, or
// arms the timer for the oldest request's MaxWait.
func (s *events) kickLocked() {
	if s.busy || len(s.queue) == 0 {
		return
	}
	if wait := s.cfg.MaxWait - time.Since(s.queue[0].at); len(s.queue) < s.cfg.MaxBatch && !s.closed && wait > 0 {
		if s.timer == nil {
			s.started.Add(1)
			s.timer = time.AfterFunc(wait, s.tick)
		}
		return
	}
	n := min(len(s.queue), s.cfg.MaxBatch)
	batch := slices.Clone(s.queue[:n])
	s.queue = slices.Delete(s.queue, 0, n)
	callCtx, cancel := context.WithCancel(s.base)
	c := &eventsCall{waiting: len(batch), cancel: cancel}
	for _, q := range batch {
		q.call = c
	}
	s.busy = true
	s.started.Add(1)
	go s.run(callCtx, c, batch)
}

// tick is the timer's callback: the oldest request has waited MaxWait.
func (s *events) tick() {
	defer s.started.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	s.kickLocked()
}

func (s *events) run(ctx context.Context, c *eventsCall, batch []*eventReq) {
	defer s.started.Done()
	inputs := make([]Input, len(batch))
	for i, q := range batch {
		inputs[i] = q.in
	}
	outs, err := s.model.PredictBatch(ctx, inputs)
	c.cancel()
	if err == nil && len(outs) != len(batch) {
		err = errors.New("model returned a wrong number of outputs")
	}
	for i, q := range batch {
		if err != nil {
			q.reply <- reply{err: err}
		} else {
			q.reply <- reply{out: outs[i]}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = false
	s.kickLocked()
}

func (s *events) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		if s.active == 0 {
			close(s.idle)
		}
		s.kickLocked() // no more waiting for MaxWait: nobody else is coming
	}
	s.mu.Unlock()
	select {
	case <-s.idle:
	case <-ctx.Done():
		s.abort() // the call under way ends; the next ones fail at once
		s.mu.Lock()
		for _, q := range s.queue {
			q.reply <- reply{err: errShuttingDown}
		}
		s.queue = nil
		if s.timer != nil && s.timer.Stop() {
			s.timer = nil
			s.started.Done()
		}
		s.mu.Unlock()
		s.started.Wait()
		return ctx.Err()
	}
	s.mu.Lock()
	if s.timer != nil && s.timer.Stop() { // nothing is queued once idle; a stale timer may remain
		s.timer = nil
		s.started.Done()
	}
	s.mu.Unlock()
	s.started.Wait()
	s.abort()
	return nil
}
