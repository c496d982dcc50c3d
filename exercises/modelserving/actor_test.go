package modelserving

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"
)

// actorServer is a correct answer in another style from the reference: no
// mutex, one goroutine owns the queue and every decision, and handlers talk
// to it over channels (admit, leave, finish). The model call runs on a
// goroutine of its own so the owner keeps answering while it runs, and the
// owner cancels the call once every request in it has left.
//
// With callOnFirst set it is a realistic bug instead: the batch's model
// call runs under the context of the batch's first request, so when that
// client leaves its batchmates lose their answer.
func actorServer(callOnFirst bool) Impl {
	return func(model Model, cfg Config) Server {
		a := &actor{
			model: model, cfg: cfg, callOnFirst: callOnFirst,
			submit: make(chan *actorReq), leave: make(chan *actorReq), finish: make(chan struct{}),
			shutdown: make(chan struct{}), abort: make(chan struct{}), done: make(chan struct{}),
		}
		go a.loop()
		return a
	}
}

type actorReq struct {
	ctx   context.Context
	in    Input
	at    time.Time
	admit chan error // buffered: the owner's verdict on admission
	reply chan reply // buffered: the owner never blocks on a handler that left
}

type actor struct {
	model       Model
	cfg         Config
	callOnFirst bool

	submit, leave      chan *actorReq
	finish             chan struct{} // a handler admitted earlier has answered
	shutdown, abort    chan struct{} // closed by Shutdown (once each)
	done               chan struct{} // closed when the owner returns
	shutOnce, abortOne sync.Once
}

func (a *actor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, err := DecodeInput(r)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.Timeout)
	defer cancel()
	q := &actorReq{ctx: ctx, in: in, at: time.Now(), admit: make(chan error, 1), reply: make(chan reply, 1)}
	select {
	case a.submit <- q:
	case <-a.done:
		WriteError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	if err := <-q.admit; err != nil {
		status := http.StatusTooManyRequests
		if errors.Is(err, errShuttingDown) {
			status = http.StatusServiceUnavailable
		}
		WriteError(w, status, err.Error())
		return
	}
	defer func() { a.finish <- struct{}{} }() // the owner waits for every admitted handler
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
		a.leave <- q // frees its queue slot now, or cancels its call if it was the last one waiting
		abandoned(w, r)
	}
}

func abandoned(w http.ResponseWriter, r *http.Request) {
	if r.Context().Err() == nil {
		WriteError(w, http.StatusGatewayTimeout, "deadline passed")
	}
}

func (a *actor) Shutdown(ctx context.Context) error {
	a.shutOnce.Do(func() { close(a.shutdown) })
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		a.abortOne.Do(func() { close(a.abort) })
		<-a.done
		return ctx.Err()
	}
}

// loop owns the queue, the call under way and the count of admitted
// handlers; it returns once shut down with nothing queued, running or
// unanswered.
func (a *actor) loop() {
	defer close(a.done)
	base, abortCalls := context.WithCancel(context.Background())
	defer abortCalls()
	var (
		queue      []*actorReq
		inCall     []*actorReq
		cancelCall context.CancelFunc
		callDone   = make(chan struct{}, 1)
		active     int
		closed     bool
		shutdown   = a.shutdown
		abort      = a.abort
	)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if inCall == nil && len(queue) > 0 && (len(queue) >= a.cfg.MaxBatch || closed || time.Since(queue[0].at) >= a.cfg.MaxWait) {
			n := min(len(queue), a.cfg.MaxBatch)
			inCall, queue = slices.Clone(queue[:n]), slices.Delete(queue, 0, n)
			parent := base
			if a.callOnFirst {
				parent = inCall[0].ctx
			}
			callCtx, stop := context.WithCancel(parent)
			cancelCall = stop // called when the call ends, or when all its clients left
			go a.call(callCtx, slices.Clone(inCall), callDone)
		}
		if closed && inCall == nil && len(queue) == 0 && active == 0 {
			return
		}
		var wait <-chan time.Time
		if inCall == nil && len(queue) > 0 {
			timer.Reset(a.cfg.MaxWait - time.Since(queue[0].at))
			wait = timer.C
		}
		select {
		case q := <-a.submit:
			switch {
			case closed:
				q.admit <- errShuttingDown
			case len(queue) >= a.cfg.QueueSize:
				q.admit <- errQueueFull
			default:
				queue = append(queue, q)
				active++
				q.admit <- nil
			}
		case q := <-a.leave:
			queue = slices.DeleteFunc(queue, func(p *actorReq) bool { return p == q })
			if i := slices.Index(inCall, q); i >= 0 {
				inCall = slices.Delete(inCall, i, i+1)
				if len(inCall) == 0 {
					cancelCall() // nobody waits for this call any more
					inCall = []*actorReq{}
				}
			}
		case <-a.finish:
			active--
		case <-callDone:
			cancelCall()
			inCall = nil
		case <-wait:
		case <-shutdown:
			closed, shutdown = true, nil
		case <-abort:
			closed, abort = true, nil
			abortCalls()
			for _, q := range queue {
				q.reply <- reply{err: errShuttingDown}
			}
			queue = nil
		}
	}
}

// call makes one model call and answers each request of the batch.
func (a *actor) call(ctx context.Context, batch []*actorReq, done chan<- struct{}) {
	inputs := make([]Input, len(batch))
	for i, q := range batch {
		inputs[i] = q.in
	}
	outs, err := a.model.PredictBatch(ctx, inputs)
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
	done <- struct{}{}
}
