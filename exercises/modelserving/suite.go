package modelserving

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Files holds the exercise's text for the workbook.
//
//go:embed README.md guide.md exercise.go solution.go
var Files embed.FS

// Info describes the exercise for the catalog.
var Info = suite.Info{
	Slug:    "model-serving",
	Dir:     "modelserving",
	Title:   "Model serving",
	Order:   3,
	Summary: "Serve a batched model over HTTP to many concurrent clients: dynamic batching, a bounded queue that sheds load, deadlines, graceful shutdown.",
	Patterns: []string{
		"producer-consumer with queues",
		"throttling and backpressure",
		"concurrent API requests",
		"efficient I/O operations",
	},
	Files: Files,
}

// Property names, as the tests and the README use them.
const (
	PropCorrectResponses         = "correct-responses"
	PropBatchLimits              = "batch-limits"
	PropLoneRequest              = "lone-request"
	PropDynamicBatching          = "dynamic-batching"
	PropLoadShedding             = "load-shedding"
	PropRequestDeadline          = "request-deadline"
	PropClientDisconnect         = "client-disconnect"
	PropGracefulShutdown         = "graceful-shutdown"
	PropShutdownCancelledOnEntry = "shutdown-cancelled-on-entry"
	PropShutdownCancelledDrain   = "shutdown-cancelled-between-dispatches"
)

// Suite returns the property suite every implementation is checked by: a
// fresh value on each call, so no code under test can swap its checks.
func Suite() suite.Suite[Impl] {
	return suite.Suite[Impl]{
		Exercise: "model-serving",
		Properties: []suite.Property[Impl]{
			{
				Name:        PropCorrectResponses,
				Pattern:     "concurrent API requests",
				Description: "under concurrent requests every valid request is answered 200 with its own prediction, and invalid ones 400 without harming the others",
				Check:       checkCorrectResponses,
			},
			{
				Name:        PropBatchLimits,
				Pattern:     "throttling and backpressure",
				Description: "no model call holds more than MaxBatch requests, and the model (one device) never runs two calls at once",
				Check:       checkBatchLimits,
			},
			{
				Name:        PropLoneRequest,
				Pattern:     "producer-consumer with queues",
				Description: "a request with nobody to batch with is sent after about MaxWait, not held for a full batch",
				Check:       checkLoneRequest,
			},
			{
				Name:        PropDynamicBatching,
				Pattern:     "producer-consumer with queues",
				Description: "under 32 concurrent clients, requests are served in batches: at least 3 requests per model call on average",
				Concurrency: true,
				Check:       checkDynamicBatching,
			},
			{
				Name:        PropLoadShedding,
				Pattern:     "throttling and backpressure",
				Description: "while the model is busy at most QueueSize requests wait; the excess is refused at once with 429 (or 503), and the admitted ones are served",
				Concurrency: true,
				Check:       checkLoadShedding,
			},
			{
				Name:        PropRequestDeadline,
				Pattern:     "throttling and backpressure",
				Description: "a request whose deadline passes is answered 504 without waiting for the model, and its queue slot is freed",
				Check:       checkRequestDeadline,
			},
			{
				Name:        PropClientDisconnect,
				Pattern:     "concurrent API requests",
				Description: "when clients disconnect their handlers return, a queued request never reaches the model, a model call whose clients all left is cancelled, and one client leaving a batch does not cost its batchmates their answer",
				Check:       checkClientDisconnect,
			},
			{
				Name:        PropGracefulShutdown,
				Pattern:     "producer-consumer with queues",
				Description: "Shutdown refuses new requests with 503, answers every admitted request 200, returns after they are served, and leaves no goroutine behind",
				Check:       checkGracefulShutdown,
			},
			{
				Name:        PropShutdownCancelledOnEntry,
				Pattern:     "coordinating parallel workers",
				Description: "Shutdown called with a ctx that is already done returns ctx's error at once, although admitted requests still wait on the model, and refuses new requests with 503",
				Check:       checkShutdownCancelledOnEntry,
			},
			{
				Name:        PropShutdownCancelledDrain,
				Pattern:     "coordinating parallel workers",
				Description: "when Shutdown's ctx ends while it drains (between two model calls), Shutdown returns ctx's error at once instead of waiting for the rest of the queue",
				Check:       checkShutdownCancelledDrain,
			},
		},
	}
}

// The simulated model of the properties: batching pays (a batch of 8 costs
// 14 ms, eight single calls 84 ms) and the suite stays fast.
const (
	propOverhead = 10 * time.Millisecond
	propPerItem  = 500 * time.Microsecond
)

// Safety bounds for waiting on something that a correct server does in
// milliseconds. They are never a pass mark by themselves: a property fails
// because of what had (not) happened when the bound ran out.
const (
	shortWait = 2 * time.Second
	longWait  = 5 * time.Second
	// settleWait bounds how long a departure is given to reach the server's
	// handler before a property goes on (see checkClientDisconnect).
	settleWait = 500 * time.Millisecond
)

// TestInput returns the i-th distinct test instance.
func TestInput(i int) Input {
	return Input{
		ID:       fmt.Sprintf("r%03d", i),
		Features: []float64{float64(i%7) - 3, float64(i%5) / 2, float64(i)/50 - 1},
	}
}

func checkCorrectResponses(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 8, MaxWait: 5 * time.Millisecond, QueueSize: 64, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()

	const clients, requests = 16, 64
	body := func(i int) []byte {
		switch i % 16 {
		case 7:
			return []byte(fmt.Sprintf(`{"id":"bad-%d","features":[]}`, i))
		case 15:
			return []byte(`{"id": "truncated`)
		}
		return mustJSON(TestInput(i))
	}
	rep, err := simworld.RunLoad(ctx, simworld.LoadSpec{URL: w.url, Clients: clients, Requests: requests, Body: body, Client: w.client})
	if err != nil {
		return w.outcome(false, "load did not finish: %v", err)
	}
	var problems []string
	good, bad := 0, 0
	for i, r := range rep.Replies {
		if i%16 == 7 || i%16 == 15 {
			if r.Status != http.StatusBadRequest {
				problems = append(problems, fmt.Sprintf("invalid request %d got %s, want 400", i, describe(r)))
			} else {
				bad++
			}
			continue
		}
		if p := w.checkPrediction(TestInput(i), r); p != "" {
			problems = append(problems, p)
		} else {
			good++
		}
	}
	if len(problems) > 0 {
		return w.outcome(false, "%d of %d requests wrong: %s", len(problems), requests, firstFew(problems))
	}
	return w.outcome(true, "%d requests from %d clients: %d answered with their own prediction, %d invalid answered 400; %s",
		requests, clients, good, bad, w.model)
}

func checkBatchLimits(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 4, MaxWait: 5 * time.Millisecond, QueueSize: 64, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()

	const clients, requests = 32, 64
	rep, err := w.load(ctx, clients, requests)
	if err != nil {
		return w.outcome(false, "load did not finish: %v", err)
	}
	largest, atOnce := w.model.MaxBatch(), w.rec.MaxInFlight(simworld.ServingResource)
	obs := fmt.Sprintf("%d requests from %d clients: largest batch %d (MaxBatch %d), at most %d model calls at once (limit 1), %d answered 200",
		requests, clients, largest, cfg.MaxBatch, atOnce, rep.Count(http.StatusOK))
	o := w.outcome(largest <= cfg.MaxBatch && atOnce <= 1 && rep.Count(http.StatusOK) == requests, "%s", obs)
	var over []simworld.Call
	for _, c := range w.rec.Calls() {
		var n int
		if _, err := fmt.Sscanf(c.Label, "batch of %d", &n); c.Resource == simworld.ServingResource && (c.InFlight > 1 || err == nil && n > cfg.MaxBatch) {
			over = append(over, c)
		}
	}
	o.Where = suite.CodeOf(impl, "types.go", "suite.go").Calls(over, func(c simworld.Call) string {
		if c.InFlight > 1 {
			return fmt.Sprintf("%s model call at once (limit 1), with a %s", suite.Ordinal(c.InFlight), c.Label)
		}
		return fmt.Sprintf("model called with a %s (MaxBatch %d)", c.Label, cfg.MaxBatch)
	})
	return o
}

func checkLoneRequest(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 8, MaxWait: 5 * time.Millisecond, QueueSize: 8, Timeout: time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()

	const requests = 3
	rep, err := w.load(ctx, 1, requests)
	if err != nil {
		return w.outcome(false, "load did not finish: %v", err)
	}
	if n := rep.Count(http.StatusOK); n != requests {
		return w.outcome(false, "one client sent %d requests one after another: %d answered 200, statuses %v (MaxWait %v, deadline %v): a lone request must not wait for a full batch",
			requests, n, rep.Statuses, cfg.MaxWait, cfg.Timeout)
	}
	return w.outcome(true, "one client sent %d requests one after another: all answered 200; %s", requests, w.model)
}

// minMeanBatch is what dynamic-batching asks for: far below what batching
// reaches under 32 clients (close to MaxBatch), far above one per call.
const minMeanBatch = 3

func checkDynamicBatching(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 8, MaxWait: 5 * time.Millisecond, QueueSize: 64, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()

	const clients, requests = 32, 96
	rep, err := w.load(ctx, clients, requests)
	if err != nil {
		return w.outcome(false, "load did not finish: %v", err)
	}
	calls := len(w.model.Calls())
	mean := 0.0
	if calls > 0 {
		mean = float64(requests) / float64(calls)
	}
	obs := fmt.Sprintf("%d requests from %d clients in %d model calls: mean batch %.1f (MaxBatch %d, need >= %d), %d answered 200",
		requests, clients, calls, mean, cfg.MaxBatch, minMeanBatch, rep.Count(http.StatusOK))
	return w.outcome(mean >= minMeanBatch && rep.Count(http.StatusOK) == requests, "%s", obs)
}

func checkLoadShedding(ctx context.Context, impl Impl) suite.Outcome {
	const queue, excess = 6, 4
	cfg := Config{MaxBatch: 4, MaxWait: 2 * time.Millisecond, QueueSize: queue, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	w.send(0)
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	sent := 1 + queue + excess
	for i := 1; i < sent; i++ {
		w.send(i)
	}
	// A correct server refuses the excess in microseconds; the bound only
	// ends the wait for one that never does.
	_ = w.tally.await(ctx, shortWait, "the excess is refused", func(c counts) bool { return c.refused() >= excess })
	snap := w.tally.snapshot()
	refusedHeld := snap.refused()
	waiting := sent - snap.answered - w.model.ItemsInFlight()
	hold.Release()
	w.wait()

	final := w.tally.snapshot()
	ok, refused := final.status[http.StatusOK], final.refused()
	obs := fmt.Sprintf("model busy with 1 request, %d more sent, QueueSize %d: %d refused at once with 429/503, %d left waiting; once the model was free %d answered 200 and %d refused in all (statuses %v)",
		sent-1, queue, refusedHeld, waiting, ok, refused, final.status)
	pass := refusedHeld >= excess && waiting <= queue && ok == 1+queue && refused == excess && ok+refused == sent
	return w.outcome(pass, "%s", obs)
}

func checkRequestDeadline(ctx context.Context, impl Impl) suite.Outcome {
	const queue = 4
	cfg := Config{MaxBatch: 2, MaxWait: 2 * time.Millisecond, QueueSize: queue, Timeout: 150 * time.Millisecond}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	// First wave: one request in a held model call, the queue full behind it.
	first := []*call{w.send(0)}
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	for i := 1; i <= queue; i++ {
		first = append(first, w.send(i))
	}
	err1 := w.tally.await(ctx, shortWait, "the first wave is answered", func(c counts) bool { return c.answered >= len(first) })
	if err1 != nil {
		snap := w.tally.snapshot()
		hold.Release()
		w.wait()
		return w.outcome(false, "model held, deadline %v: of %d requests (1 in the model call, %d queued) only %d were answered within %v (statuses %v): a request must get 504 when its deadline passes, not when the model frees up",
			cfg.Timeout, len(first), queue, snap.answered, shortWait, snap.status)
	}
	// Second wave, model still held: admitted only if the expired requests
	// gave their queue slots back.
	var second []*call
	for i := 1 + queue; i <= 2*queue; i++ {
		second = append(second, w.send(i))
	}
	err2 := w.tally.await(ctx, shortWait, "the second wave is answered", func(c counts) bool { return c.answered >= len(first)+len(second) })
	served := w.model.Served()
	hold.Release()
	w.wait()

	s1, s2 := statuses(first), statuses(second)
	obs := fmt.Sprintf("model held, deadline %v: %d requests (1 in the model call, %d queued) answered %v; then %d more answered %v",
		cfg.Timeout, len(first), queue, s1, len(second), s2)
	switch {
	case !all(s1, http.StatusGatewayTimeout):
		return w.outcome(false, "%s: want 504 for each expired request", obs)
	case err2 != nil:
		return w.outcome(false, "%s: the second wave was not answered while the model was held (%v)", obs, err2)
	case !all(s2, http.StatusGatewayTimeout):
		return w.outcome(false, "%s: want 504 for each, after they were admitted: expired requests must give back their queue slots", obs)
	case served > 0:
		return w.outcome(false, "%s: the model served %d requests while held", obs, served)
	}
	return w.outcome(true, "%s: every request answered 504 at its deadline and expired requests freed their slots", obs)
}

func checkClientDisconnect(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 4, MaxWait: 2 * time.Millisecond, QueueSize: 8, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	// a is alone in a held model call; e, b and c wait behind it.
	a := w.send(0)
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	byID := map[string]*call{TestInput(0).ID: a}
	var e, b, c *call
	for k, dst := range []**call{&e, &b, &c} {
		*dst = w.send(1 + k)
		byID[TestInput(1+k).ID] = *dst
		if err := w.tally.await(ctx, longWait, "the request reaches its handler", func(n counts) bool { return n.entered >= 2+k }); err != nil {
			return w.outcome(false, "%v", err)
		}
	}
	// Each departure happens alone, and the next step waits until the
	// server's request context has seen it: no race between two cancels.
	// Then it gives the departure a moment to reach the handler (which
	// should return): cancelling the request's context cancels the contexts
	// derived from it one by one, and the goroutine doing it can be
	// preempted halfway (seen once under -race on a loaded machine: the
	// batcher then took a departed request whose own context was not
	// cancelled yet). A handler that does not return is this property's
	// failure, reported below; the wait only bounds how long it is given.
	leave := func(cl *call, k int) error {
		cl.cancel()
		if err := w.tally.await(ctx, longWait, "the server notices a client left", func(n counts) bool { return n.left >= k }); err != nil {
			return err
		}
		_ = w.tally.await(ctx, settleWait, "the handler of the client who left returns", func(n counts) bool { return n.exited >= k })
		return nil
	}
	// e leaves while queued: it must never reach the model.
	if err := leave(e, 1); err != nil {
		return w.outcome(false, "%v", err)
	}
	// a leaves during its call: nobody else wants that call, so it must
	// end although the model is held.
	if err := leave(a, 2); err != nil {
		return w.outcome(false, "%v", err)
	}
	errCall := w.model.Await(waitCtx(ctx, shortWait), "the abandoned model call ends",
		func(calls []simworld.ServingCall) bool { return len(calls) > 0 && calls[0].Done })
	// The next call (held) serves b and c together in a batching server.
	// The client of its first request leaves; whoever else is in the call
	// stays and must get the answer.
	errNext := w.awaitModelCalls(ctx, 2, 1)
	var batch []string
	var leaver, stayer *call
	if errNext == nil {
		calls := w.model.Calls()
		batch = calls[len(calls)-1].IDs
		if l, ok := byID[batch[0]]; ok && l != a && l != e {
			leaver = l
		}
	}
	if leaver == nil {
		leaver = b
	}
	stayer = c
	if leaver == c {
		stayer = b
	}
	errLeft := leave(leaver, 3)
	hold.Release()
	errStayer := stayer.await(ctx, shortWait)
	later := w.send(4)
	w.wait()

	final := w.tally.snapshot()
	eReached := w.model.Received(TestInput(1).ID)
	callEnded := "no"
	if errCall == nil {
		callEnded = "yes, " + orNone(w.model.Calls()[0].Err)
	}
	stayed := "no answer"
	if errStayer == nil && stayer.answered() {
		stayed = describe(stayer.reply)
	}
	var problems []string
	if errCall != nil {
		problems = append(problems, "the model call of a client who left kept running (it served nobody else)")
	}
	if eReached {
		problems = append(problems, "a queued request reached the model after its client left")
	}
	if errNext != nil || errLeft != nil {
		problems = append(problems, fmt.Sprintf("the next model call never ran (%v)", errors.Join(errNext, errLeft)))
	}
	if bad := w.checkPrediction(TestInput(map[*call]int{b: 2, c: 3}[stayer]), stayer.reply); stayer.reply.Status != http.StatusOK || bad != "" {
		problems = append(problems, fmt.Sprintf("the request that stayed got %s, want 200 with its prediction: one client leaving must not cancel a call its batchmates still wait for", stayed))
	}
	if final.entered != final.exited {
		problems = append(problems, fmt.Sprintf("%d handlers never returned", final.entered-final.exited))
	}
	if later.reply.Status != http.StatusOK {
		problems = append(problems, "a later request got "+describe(later.reply))
	}
	obs := fmt.Sprintf("clients left one at a time, model held: a queued request (reached the model: %v); the only client of a model call (call ended: %s); %s from the next call %v, whose other client got %s; a later request got %s",
		eReached, callEnded, idOf(byID, leaver), batch, stayed, describe(later.reply))
	if len(problems) > 0 {
		return w.outcome(false, "%s: %s", strings.Join(problems, "; "), obs)
	}
	return w.outcome(true, "%s", obs)
}

// idOf returns the input ID cl was sent with.
func idOf(byID map[string]*call, cl *call) string {
	for id, c := range byID {
		if c == cl {
			return id
		}
	}
	return "?"
}

func checkShutdownCancelledOnEntry(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 2, MaxWait: 2 * time.Millisecond, QueueSize: 4, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	// One request in a held model call, one waiting behind it: draining
	// cannot finish until the model is released.
	w.send(0)
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	w.send(1)
	if err := w.tally.await(ctx, longWait, "the second request reaches its handler", func(c counts) bool { return c.entered >= 2 }); err != nil {
		return w.outcome(false, "%v", err)
	}
	shutdownCtx, cancel := context.WithCancel(ctx)
	cancel() // no time at all to drain
	w.shutdownCalled = true
	errc := make(chan error, 1) // buffered: the goroutine never blocks if we stop waiting
	go func() { errc <- w.srv.Shutdown(shutdownCtx) }()
	var shutdownErr error
	returned := false
	bound := time.NewTimer(shortWait)
	defer bound.Stop()
	select {
	case shutdownErr = <-errc:
		returned = true
	case <-bound.C:
	}
	probe := w.send(2)
	_ = probe.await(ctx, shortWait)
	hold.Release() // let whatever still waits on the model finish
	if !returned {
		select {
		case shutdownErr = <-errc:
		case <-ctx.Done():
		}
	}
	w.wait()
	obs := fmt.Sprintf("Shutdown with a done ctx while 2 admitted requests waited on the held model: returned within %v: %v, with %v; a new request got %s",
		shortWait, returned, shutdownErr, describe(probe.reply))
	pass := returned && errors.Is(shutdownErr, context.Canceled) && probe.reply.Status == http.StatusServiceUnavailable
	if !pass {
		obs += " (want context.Canceled at once, and 503)"
	}
	return w.outcome(pass, "%s", obs)
}

func checkShutdownCancelledDrain(ctx context.Context, impl Impl) suite.Outcome {
	cfg := Config{MaxBatch: 1, MaxWait: 2 * time.Millisecond, QueueSize: 4, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	// Three requests, one model call each: the first held, two waiting.
	w.send(0)
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	w.send(1)
	w.send(2)
	if err := w.tally.await(ctx, longWait, "the requests reach their handlers", func(c counts) bool { return c.entered >= 3 }); err != nil {
		return w.outcome(false, "%v", err)
	}
	shutdownCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.shutdownCalled = true
	errc := make(chan error, 1) // buffered: the goroutine never blocks if we stop waiting
	go func() { errc <- w.srv.Shutdown(shutdownCtx) }()
	// Shutdown is draining once it refuses newcomers; then the first call
	// ends and the next one starts (held): the caller gives up right then.
	// A probe every 20 ms until one is refused with 503 (one sent before
	// Shutdown took effect is admitted and served later, after the others).
	for i := 0; i < int(longWait/(20*time.Millisecond)); i++ {
		w.send(100 + i)
		if w.tally.await(ctx, 20*time.Millisecond, "a newcomer refused with 503", func(c counts) bool {
			return c.status[http.StatusServiceUnavailable] > 0
		}) == nil {
			break
		}
	}
	early := false
	select {
	case <-errc:
		early = true // returned before the queue was drained: graceful-shutdown's business
	default:
	}
	stepErr := hold.Step(waitCtx(ctx, longWait))
	nextErr := w.awaitModelCalls(ctx, 2, 1)
	cancel()
	var shutdownErr error
	returned := false
	bound := time.NewTimer(shortWait)
	defer bound.Stop()
	if !early {
		select {
		case shutdownErr = <-errc:
			returned = true
		case <-bound.C:
		}
	}
	hold.Release()
	if !early && !returned {
		select {
		case shutdownErr = <-errc:
		case <-ctx.Done():
		}
	}
	w.wait()
	switch {
	case early:
		return w.outcome(false, "Shutdown returned before its ctx ended, with 2 requests still waiting on the held model")
	case stepErr != nil || nextErr != nil:
		return w.outcome(false, "the second model call never started while Shutdown drained: %v", errors.Join(stepErr, nextErr))
	}
	obs := fmt.Sprintf("Shutdown draining 3 one-request calls; its ctx ended as the second call started: returned within %v: %v, with %v", shortWait, returned, shutdownErr)
	if !returned || !errors.Is(shutdownErr, context.Canceled) {
		return w.outcome(false, "%s (want context.Canceled at once: a Shutdown that checks its ctx only on entry waits for the whole queue)", obs)
	}
	return w.outcome(true, "%s", obs)
}

func checkGracefulShutdown(ctx context.Context, impl Impl) suite.Outcome {
	ignore := goleak.IgnoreCurrent()
	const queue, excess = 6, 2
	cfg := Config{MaxBatch: 2, MaxWait: 2 * time.Millisecond, QueueSize: queue, Timeout: 10 * time.Second}
	w := newWorld(ctx, impl, cfg)
	defer w.close()
	hold := w.model.Hold()
	defer hold.Release()

	// Fill the server: one request in a held model call, the queue full
	// (the excess refused tells us every other request was admitted).
	reqs := []*call{w.send(0)}
	if err := w.awaitModelCalls(ctx, 1, 1); err != nil {
		return w.outcome(false, "a lone request never reached the model: %v", err)
	}
	for i := 1; i <= queue+excess; i++ {
		reqs = append(reqs, w.send(i))
	}
	_ = w.tally.await(ctx, shortWait, "the excess is refused", func(c counts) bool { return c.refused() >= excess })
	// Let the first call finish so the next batch starts (and is held):
	// now there is room in the queue, and only Shutdown refuses newcomers.
	if err := hold.Step(waitCtx(ctx, longWait)); err != nil {
		return w.outcome(false, "%v", err)
	}
	if err := w.awaitModelCalls(ctx, 2, 1); err != nil {
		return w.outcome(false, "no second model call after the first finished: %v", err)
	}
	admitted := map[*call]bool{}
	for _, r := range reqs {
		if !r.answered() || r.reply.Status == http.StatusOK {
			admitted[r] = true
		}
	}

	shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	shutdownErr := make(chan error, 1) // buffered: the goroutine never blocks if we stop waiting
	w.shutdownCalled = true
	go func() { shutdownErr <- w.srv.Shutdown(shutdownCtx) }()

	// Probe every 10 ms until one is refused with 503. A probe sent before
	// Shutdown took effect may be admitted; it must then be served like the
	// others.
	var probes []*call
	refused503, early := false, false
	var errShutdown error
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	bound := time.NewTimer(shortWait)
	defer bound.Stop()
probing:
	for {
		for _, p := range probes {
			if p.answered() && p.reply.Status == http.StatusServiceUnavailable {
				refused503 = true
				break probing
			}
		}
		probes = append(probes, w.send(100+len(probes)))
		select {
		case <-tick.C:
		case errShutdown = <-shutdownErr:
			early = true
			break probing
		case <-bound.C:
			break probing
		case <-ctx.Done():
			break probing
		}
	}
	if !early {
		select {
		case errShutdown = <-shutdownErr:
			early = true
		default:
		}
	}
	hold.Release()
	if !early {
		select {
		case errShutdown = <-shutdownErr:
		case <-waitCtx(ctx, longWait).Done():
			errShutdown = fmt.Errorf("did not return %v after the model was released", longWait)
		}
	}
	servedAtReturn := w.model.Served()
	w.wait()

	notServed, ok := 0, 0
	for _, r := range reqs {
		if admitted[r] && r.reply.Status != http.StatusOK {
			notServed++
		}
	}
	for _, r := range append(append([]*call(nil), reqs...), probes...) {
		if r.reply.Status == http.StatusOK {
			ok++
		}
	}
	w.close()
	leaks := goleak.Find(ignore)

	obs := fmt.Sprintf("Shutdown with %d admitted requests (model held): returned early: %v; error: %v; a new request refused with 503: %v (%d probes); admitted requests not answered 200: %d; 200s: %d, served by the model when Shutdown returned: %d; leaked goroutines: %s",
		len(admitted), early, errShutdown, refused503, len(probes), notServed, ok, servedAtReturn, leakSummary(leaks))
	pass := !early && errShutdown == nil && refused503 && notServed == 0 && ok == servedAtReturn && leaks == nil
	o := w.outcome(pass, "%s", obs)
	o.Where = suite.CodeOf(impl, "types.go", "suite.go").Leaked(leaks)
	return o
}

// The benchmark world: the model of the exercise's story (20 ms per call plus
// 1 ms per instance, 16 instances fit in memory) under 32 clients sending
// 128 requests, with room in the queue for all of them.
const (
	benchOverhead = 20 * time.Millisecond
	benchPerItem  = time.Millisecond
	benchMaxBatch = 16
	benchClients  = 32
	benchRequests = 128
)

// IdealSpeedup is the batching server's best speedup over Sequential on
// Workload, from the simulated latencies alone:
//
//	Sequential serves one request per call, one call at a time:
//	  benchRequests * (Overhead + PerItem) = 128 * 21 ms = 2688 ms.
//	With 32 clients waiting and MaxBatch 16, while one batch of 16 runs the
//	other 16 clients queue up, so every call is full:
//	  ceil(128/16) calls * (Overhead + 16*PerItem) = 8 * 36 ms = 288 ms.
//	Ideal speedup = 2688 / 288 = 9.33.
const IdealSpeedup = float64(benchRequests*(benchOverhead+benchPerItem)) /
	float64((benchRequests+benchMaxBatch-1)/benchMaxBatch*(benchOverhead+benchMaxBatch*benchPerItem))

// BenchConfig is the server configuration of the benchmark world with the
// given MaxBatch (1 turns batching off).
func BenchConfig(maxBatch int) Config {
	return Config{MaxBatch: maxBatch, MaxWait: 5 * time.Millisecond, QueueSize: 256, Timeout: 30 * time.Second}
}

// Workload serves the benchmark load with impl once: 32 clients, 128
// requests, through a real HTTP server on 127.0.0.1. It fails if any
// request is not answered 200.
func Workload(ctx context.Context, impl Impl) error {
	_, err := ServeLoad(ctx, impl, BenchConfig(benchMaxBatch), benchClients, benchRequests)
	return err
}

// ServeLoad serves a load of valid requests with impl on the benchmark
// model and returns the load generator's report. It fails if any request
// is not answered 200.
func ServeLoad(ctx context.Context, impl Impl, cfg Config, clients, requests int) (simworld.LoadReport, error) {
	model := simworld.NewServingModel(simworld.NewRecorder(), simworld.ServingModelConfig{
		Overhead: benchOverhead, PerItem: benchPerItem, Capacity: max(cfg.MaxBatch, 1),
	})
	srv := impl(modelOnly{model}, cfg)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, longWait)
		defer cancel()
		_ = srv.Shutdown(sctx) // every request was answered: nothing left to drain
	}()
	rep, err := simworld.RunLoad(ctx, simworld.LoadSpec{
		URL: ts.URL + "/predict", Clients: clients, Requests: requests,
		Body: func(i int) []byte { return mustJSON(TestInput(i)) },
	})
	if err != nil {
		return rep, fmt.Errorf("serve load: %w", err)
	}
	if ok := rep.Count(http.StatusOK); ok != requests {
		return rep, fmt.Errorf("serve load: %d of %d requests answered 200 (statuses %v, %d without response)", ok, requests, rep.Statuses, rep.NoResponse)
	}
	served := servedIDs(model)
	for i := range requests {
		if id := TestInput(i).ID; !served[id] {
			return rep, fmt.Errorf("serve load: %s answered 200 but no successful model call predicted it", id)
		}
	}
	return rep, nil
}

// modelOnly is the model as a server under test gets it: PredictBatch and
// nothing else, so that the server cannot reach the world's levers and
// records (Hold, Calls, Await, ...) by a type assertion.
type modelOnly struct{ m *simworld.ServingModel }

func (o modelOnly) PredictBatch(ctx context.Context, batch []Input) ([]Output, error) {
	return o.m.PredictBatch(ctx, batch)
}

// servedIDs returns the instances that a successful, finished model call
// predicted: the only answers a server may give (simworld.ServingPredict
// computes one without the model).
func servedIDs(m *simworld.ServingModel) map[string]bool {
	served := map[string]bool{}
	for _, c := range m.Calls() {
		if c.Done && c.Err == "" {
			for _, id := range c.IDs {
				served[id] = true
			}
		}
	}
	return served
}

// world is one property's simulated world: a fresh model, the server under
// test behind a real HTTP server on 127.0.0.1, and a client of its own.
type world struct {
	ctx    context.Context
	rec    *simworld.Recorder
	model  *simworld.ServingModel
	cfg    Config
	srv    Server
	ts     *httptest.Server
	url    string
	client *http.Client
	tally  *tally

	wg             sync.WaitGroup // the requests sent with send
	shutdownCalled bool
	closeOnce      sync.Once
}

func newWorld(ctx context.Context, impl Impl, cfg Config) *world {
	rec := simworld.NewRecorder()
	model := simworld.NewServingModel(rec, simworld.ServingModelConfig{
		Overhead: propOverhead, PerItem: propPerItem, Capacity: cfg.MaxBatch,
	})
	w := &world{ctx: ctx, rec: rec, model: model, cfg: cfg, tally: newTally()}
	w.srv = impl(modelOnly{model}, cfg)
	// Count handlers in and out: what a check cannot see inside the server.
	w.ts = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.tally.update(func(c *counts) { c.entered++ })
		defer w.tally.update(func(c *counts) { c.exited++ })
		// The request's context ends when its client leaves (or when
		// the handler returns, after stop): count the departures the
		// server has seen, so a property acts only after it saw one.
		stop := context.AfterFunc(r.Context(), func() { w.tally.update(func(c *counts) { c.left++ }) })
		defer stop()
		w.srv.ServeHTTP(rw, r)
	}))
	w.url = w.ts.URL + "/predict"
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 64, 64
	w.client = &http.Client{Transport: tr}
	return w
}

// close shuts the server down (unless the property did), waits for the
// requests it sent, and closes the HTTP server and the client's connections.
func (w *world) close() {
	w.closeOnce.Do(func() {
		if !w.shutdownCalled {
			ctx, cancel := context.WithTimeout(w.ctx, longWait)
			_ = w.srv.Shutdown(ctx) // what Shutdown does is graceful-shutdown's business
			cancel()
		}
		w.wait()
		w.ts.Close()
		w.client.CloseIdleConnections()
	})
}

// call is one request sent with send.
type call struct {
	cancel context.CancelFunc // disconnects the client
	done   chan struct{}      // closed once reply is set
	reply  simworld.LoadReply
}

// await waits until c is answered, for at most bound.
func (c *call) await(ctx context.Context, bound time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for an answer: %w", ctx.Err())
	}
}

func (c *call) answered() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// send posts TestInput(i) from a goroutine of its own, owned by the world
// (close waits for it; the property's ctx bounds it).
func (w *world) send(i int) *call {
	ctx, cancel := context.WithCancel(w.ctx)
	c := &call{cancel: cancel, done: make(chan struct{})}
	body := mustJSON(TestInput(i))
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer cancel()
		c.reply = simworld.PostJSON(ctx, w.client, w.url, body)
		close(c.done)
		w.tally.update(func(cn *counts) {
			cn.answered++
			if c.reply.Status != 0 {
				cn.status[c.reply.Status]++
			}
		})
	}()
	return c
}

// wait waits for every request sent with send to be answered.
func (w *world) wait() { w.wg.Wait() }

// load sends valid requests from concurrent clients with the load generator.
func (w *world) load(ctx context.Context, clients, requests int) (simworld.LoadReport, error) {
	return simworld.RunLoad(ctx, simworld.LoadSpec{
		URL: w.url, Clients: clients, Requests: requests, Client: w.client,
		Body: func(i int) []byte { return mustJSON(TestInput(i)) },
	})
}

// awaitModelCalls waits until at least started model calls have begun and
// exactly running are under way.
func (w *world) awaitModelCalls(ctx context.Context, started, running int) error {
	return w.model.Await(waitCtx(ctx, longWait), fmt.Sprintf("%d model calls started, %d running", started, running),
		func(calls []simworld.ServingCall) bool {
			return len(calls) >= started && simworld.RunningCalls(calls) == running
		})
}

func (w *world) outcome(pass bool, format string, args ...any) suite.Outcome {
	return suite.Outcome{Pass: pass, Observed: fmt.Sprintf(format, args...), Timeline: w.rec.Spans()}
}

// counts is what the world saw from outside the server.
type counts struct {
	entered, exited int         // handler calls begun and returned
	left            int         // clients the server saw leave while their handler ran
	answered        int         // requests sent with send that returned
	status          map[int]int // their responses per status
}

func (c counts) refused() int {
	return c.status[http.StatusTooManyRequests] + c.status[http.StatusServiceUnavailable]
}

// tally holds counts and wakes whoever waits for them to change.
type tally struct {
	mu      sync.Mutex
	c       counts
	changed chan struct{} // closed and replaced at every update
}

func newTally() *tally {
	return &tally{c: counts{status: map[int]int{}}, changed: make(chan struct{})}
}

func (t *tally) update(f func(c *counts)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.c)
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *tally) snapshot() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.c
	c.status = make(map[int]int, len(t.c.status))
	for k, v := range t.c.status {
		c.status[k] = v
	}
	return c
}

// await waits until cond holds, for at most bound.
func (t *tally) await(ctx context.Context, bound time.Duration, what string, cond func(counts) bool) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	for {
		t.mu.Lock()
		ch := t.changed
		t.mu.Unlock()
		if cond(t.snapshot()) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait until %s: %w", what, ctx.Err())
		}
	}
}

// waitCtx bounds a wait; its timer is released when ctx ends or the bound runs out.
func waitCtx(ctx context.Context, bound time.Duration) context.Context {
	c, cancel := context.WithTimeout(ctx, bound)
	context.AfterFunc(c, cancel)
	return c
}

// checkPrediction describes what is wrong with the reply to in, or returns
// "": a 200 with in's prediction, made by a successful model call.
func (w *world) checkPrediction(in Input, r simworld.LoadReply) string {
	if r.Status != http.StatusOK {
		return fmt.Sprintf("%s got %s, want 200", in.ID, describe(r))
	}
	var got Output
	if err := json.Unmarshal(r.Body, &got); err != nil {
		return fmt.Sprintf("%s: undecodable response %q: %v", in.ID, r.Body, err)
	}
	want := simworld.ServingPredict(in)
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("%s got the prediction for %q", in.ID, got.ID)
	case math.Abs(got.Score-want.Score) > 1e-9 || got.Label != want.Label:
		return fmt.Sprintf("%s got score %.4f %q, want %.4f %q", in.ID, got.Score, got.Label, want.Score, want.Label)
	case !servedIDs(w.model)[in.ID]:
		return fmt.Sprintf("%s was answered, but no successful model call predicted it", in.ID)
	}
	return ""
}

func describe(r simworld.LoadReply) string {
	if r.Status == 0 {
		return fmt.Sprintf("no response (%v)", r.Err)
	}
	return fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(string(r.Body)))
}

func statuses(calls []*call) []int {
	out := make([]int, len(calls))
	for i, c := range calls {
		out[i] = c.reply.Status
	}
	return out
}

func all(statuses []int, want int) bool {
	for _, s := range statuses {
		if s != want {
			return false
		}
	}
	return true
}

func firstFew(problems []string) string {
	if len(problems) > 3 {
		return strings.Join(problems[:3], "; ") + "; ..."
	}
	return strings.Join(problems, "; ")
}

func yes(err error) string {
	if err == nil {
		return "yes"
	}
	return "no"
}

func orNone(s string) string {
	if s == "" {
		return "no error"
	}
	return s
}

func leakSummary(leaks error) string {
	if leaks == nil {
		return "none"
	}
	s := leaks.Error()
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // our own types always encode
	}
	return b
}
