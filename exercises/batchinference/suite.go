package batchinference

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Files holds the exercise's documents and code for the workbook.
//
//go:embed README.md guide.md exercise.go solution.go
var Files embed.FS

// Info describes the exercise for the catalog.
var Info = suite.Info{
	Slug:    "batch-inference",
	Dir:     "batchinference",
	Title:   "Batch inference",
	Order:   1,
	Summary: "Run a classifier, an embedder and a toxicity filter over a batch in parallel, within each endpoint's concurrency limit.",
	Patterns: []string{
		"concurrent API requests",
		"throttling and backpressure",
		"coordinating parallel workers",
	},
	Files: Files,
}

// Suite returns the property suite every implementation is checked by: a
// fresh value on each call, so no code under test can swap its checks.
func Suite() suite.Suite[Impl] {
	return suite.Suite[Impl]{
		Exercise: "batch-inference",
		Properties: []suite.Property[Impl]{
			{
				Name:        "results-in-order",
				Pattern:     "concurrent API requests",
				Description: "every model's predictions are returned, in input order",
				Check:       checkResultsInOrder,
			},
			{
				Name:        "per-endpoint-limit",
				Pattern:     "throttling and backpressure",
				Description: "no endpoint ever has more than its Limit requests in flight (none is refused with a 429)",
				Check:       checkPerEndpointLimit,
			},
			{
				Name:        "parallel-per-model",
				Pattern:     "concurrent API requests",
				Description: "every endpoint serves at least 2 requests at once (each allows 3 to 6)",
				Concurrency: true,
				Check:       checkParallelPerModel,
			},
			{
				Name:        "parallel-across-models",
				Pattern:     "coordinating parallel workers",
				Description: "the models run at the same time, not one after another",
				Concurrency: true,
				Check:       checkParallelAcrossModels,
			},
			{
				Name:        "first-error-cancels",
				Pattern:     "coordinating parallel workers",
				Description: "the first failed request stops the batch: no new requests start after it, and the error names the model and input",
				Check:       checkFirstErrorCancels,
			},
			{
				Name:        "cancellation",
				Pattern:     "coordinating parallel workers",
				Description: "after ctx is cancelled the implementation returns ctx's error promptly, starts no new requests, and every started request has ended",
				Check:       checkCancellation,
			},
			{
				Name:        "cancelled-on-entry",
				Pattern:     "coordinating parallel workers",
				Description: "called with a ctx that is already cancelled, the implementation returns ctx's error (not empty results and nil) and sends no request",
				Check:       checkCancelledOnEntry,
			},
			{
				Name:        "cancelled-between-dispatches",
				Pattern:     "coordinating parallel workers",
				Description: "when ctx is cancelled just as a request succeeds and no other is in flight, the implementation returns ctx's error (not holes and nil) and starts nothing more",
				Check:       checkCancelledBetweenDispatches,
			},
			{
				Name:        "no-leaked-goroutines",
				Pattern:     "coordinating parallel workers",
				Description: "no goroutine is left running after the implementation returns, on success or on failure",
				Check:       checkNoLeakedGoroutines,
			},
		},
	}
}

// modelSpec is one endpoint of a simulated world.
type modelSpec struct {
	name    string
	kind    simworld.ModelKind
	latency time.Duration
	limit   int
}

// The properties' endpoints: three models of different speeds and
// capacities, so that one global limit is either too loose for the
// embedder or too tight for the toxicity filter.
var propertyModels = []modelSpec{
	{"classifier", simworld.Classifier, 6 * time.Millisecond, 4},
	{"embedder", simworld.Embedder, 4 * time.Millisecond, 3},
	{"toxicity", simworld.ToxicityFilter, 8 * time.Millisecond, 6},
}

// propertyJitter is added to each request's latency, drawn per input.
const propertyJitter = 2 * time.Millisecond

// world is a fresh simulated world for one run.
type world struct {
	rec    *simworld.Recorder
	models []*Model
	inputs []Input
}

func newWorld(specs []modelSpec, jitter time.Duration, n int) world {
	w := world{rec: simworld.NewRecorder()}
	for i, s := range specs {
		w.models = append(w.models, simworld.NewModel(w.rec, simworld.ModelConfig{
			Name: s.name, Kind: s.kind, Latency: s.latency, Jitter: jitter, Limit: s.limit, Seed: uint64(i + 1),
		}))
	}
	for i := range n {
		w.inputs = append(w.inputs, Input{ID: fmt.Sprintf("doc-%03d", i), Text: fmt.Sprintf("user comment number %d", i)})
	}
	return w
}

// sumLimits is how many requests the world's endpoints may serve at once:
// the margin for requests that were already being dispatched when a failure
// or a cancellation happened.
func (w world) sumLimits() int {
	n := 0
	for _, m := range w.models {
		n += m.Limit()
	}
	return n
}

// outcome of one run of an implementation.
type runResult struct {
	results Results
	err     error
	// inFlight is how many requests were still running when impl returned.
	inFlight int
	// running are those requests.
	running []simworld.Call
}

func (w world) run(ctx context.Context, impl Impl) runResult {
	res, err := w.call(ctx, impl)
	r := runResult{results: res, err: err, inFlight: w.rec.TotalInFlight()}
	for _, c := range w.rec.Calls() {
		if c.Running {
			r.running = append(r.running, c)
		}
	}
	return r
}

// call runs impl and turns a panic into an error: some properties run impl
// on a goroutine of their own, where a panic would end the whole process
// rather than fail the property.
func (w world) call(ctx context.Context, impl Impl) (res Results, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("implementation panicked: %v", p)
		}
	}()
	return impl(ctx, w.models, w.inputs)
}

// stillRunning places the requests that were running when impl returned.
func (r runResult) stillRunning(code suite.Code) []suite.Location {
	return code.Calls(r.running, func(c simworld.Call) string {
		return fmt.Sprintf("request to %s on %s still running when the implementation returned", c.Resource, c.Label)
	})
}

// overLimit places the requests that went over their endpoint's limit.
func (w world) overLimit(code suite.Code) []suite.Location {
	limits := map[string]*Model{}
	for _, m := range w.models {
		limits[m.Resource()] = m
	}
	var over []simworld.Call
	for _, c := range w.rec.Calls() {
		if m := limits[c.Resource]; m != nil && c.InFlight > m.Limit() {
			over = append(over, c)
		}
	}
	return code.Calls(over, func(c simworld.Call) string {
		m := limits[c.Resource]
		note := fmt.Sprintf("%s request in flight on %s (limit %d)", suite.Ordinal(c.InFlight), m.Name(), m.Limit())
		if c.Err == simworld.ErrOverloaded.Error() {
			note += ", refused with 429"
		}
		return note
	})
}

// wrong returns a description of the first prediction that is missing, not
// the expected one, or not the answer of a successful request (Model.Expect
// computes a prediction without one), or "" if all are right.
func (w world) wrong(res Results) string {
	served := map[[2]string]bool{} // resource, input ID
	for _, s := range w.rec.Spans() {
		if s.Err == "" {
			served[[2]string{s.Resource, s.Label}] = true
		}
	}
	if len(res) != len(w.models) {
		return fmt.Sprintf("got predictions for %d models, want %d", len(res), len(w.models))
	}
	for m, model := range w.models {
		if len(res[m]) != len(w.inputs) {
			return fmt.Sprintf("model %s: got %d predictions, want %d", model.Name(), len(res[m]), len(w.inputs))
		}
		for i, in := range w.inputs {
			want := model.Expect(in)
			if got := res[m][i]; !reflect.DeepEqual(got, want) {
				return fmt.Sprintf("model %s, position %d: got the prediction of model %q for input %q, want model %q for input %q",
					model.Name(), i, got.Model, got.InputID, want.Model, want.InputID)
			}
			if !served[[2]string{model.Resource(), in.ID}] {
				return fmt.Sprintf("model %s, position %d: no successful request to %s on %s returned this prediction", model.Name(), i, model.Name(), in.ID)
			}
		}
	}
	return ""
}

func checkResultsInOrder(ctx context.Context, impl Impl) suite.Outcome {
	w := newWorld(propertyModels, propertyJitter, 24)
	r := w.run(ctx, impl)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	switch {
	case r.err != nil:
		o.Observed = fmt.Sprintf("returned an error on a batch where every request succeeds: %v", r.err)
	default:
		if bad := w.wrong(r.results); bad != "" {
			o.Observed = bad
		} else {
			o.Pass = true
			o.Observed = fmt.Sprintf("all %d predictions of %d models in input order", len(w.models)*len(w.inputs), len(w.models))
		}
	}
	return o
}

func checkPerEndpointLimit(ctx context.Context, impl Impl) suite.Outcome {
	w := newWorld(propertyModels, propertyJitter, 24)
	r := w.run(ctx, impl)
	o := suite.Outcome{Pass: true, Timeline: w.rec.Spans()}
	var parts []string
	for _, m := range w.models {
		// The recorder counts refused requests too: it shows how many the
		// implementation tried to run at once.
		tried := w.rec.MaxInFlight(m.Resource())
		parts = append(parts, fmt.Sprintf("%s max %d in flight (limit %d, %d refused with 429)", m.Name(), tried, m.Limit(), m.Overloads()))
		if tried > m.Limit() || m.Overloads() > 0 {
			o.Pass = false
		}
	}
	o.Observed = strings.Join(parts, "; ")
	if !o.Pass {
		o.Where = w.overLimit(suite.CodeOf(impl))
	}
	if r.err != nil && o.Pass {
		o.Pass = false
		o.Observed += fmt.Sprintf("; but the batch failed: %v", r.err)
	}
	return o
}

func checkParallelPerModel(ctx context.Context, impl Impl) suite.Outcome {
	const atLeast = 2
	w := newWorld(propertyModels, propertyJitter, 24)
	r := w.run(ctx, impl)
	o := suite.Outcome{Pass: r.err == nil, Timeline: w.rec.Spans()}
	var parts []string
	for _, m := range w.models {
		parts = append(parts, fmt.Sprintf("%s max %d at once (limit %d)", m.Name(), m.MaxInFlight(), m.Limit()))
		if m.MaxInFlight() < atLeast {
			o.Pass = false
		}
	}
	o.Observed = strings.Join(parts, "; ") + fmt.Sprintf("; need at least %d on every endpoint", atLeast)
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the batch failed: %v", r.err)
	}
	return o
}

// modelsAtOnce returns the most distinct models that had accepted requests
// in flight at the same moment.
func modelsAtOnce(spans []simworld.Span) int {
	type event struct {
		at    time.Duration
		delta int
		model string
	}
	var events []event
	for _, s := range spans {
		if s.Err == simworld.ErrOverloaded.Error() {
			continue
		}
		events = append(events, event{s.Start, +1, s.Resource}, event{s.End, -1, s.Resource})
	}
	// At equal times, ends before starts: touching is not overlapping.
	sort.Slice(events, func(i, j int) bool {
		if events[i].at != events[j].at {
			return events[i].at < events[j].at
		}
		return events[i].delta < events[j].delta
	})
	running := map[string]int{}
	best := 0
	for _, e := range events {
		running[e.model] += e.delta
		if running[e.model] == 0 {
			delete(running, e.model)
		}
		best = max(best, len(running))
	}
	return best
}

func checkParallelAcrossModels(ctx context.Context, impl Impl) suite.Outcome {
	const atLeast = 2
	w := newWorld(propertyModels, propertyJitter, 24)
	r := w.run(ctx, impl)
	spans := w.rec.Spans()
	n := modelsAtOnce(spans)
	o := suite.Outcome{Pass: r.err == nil && n >= atLeast, Timeline: spans}
	o.Observed = fmt.Sprintf("at most %d of %d models had requests in flight at the same moment; need at least %d", n, len(w.models), atLeast)
	if r.err != nil {
		o.Observed += fmt.Sprintf("; the batch failed: %v", r.err)
	}
	return o
}

// holdBound bounds first-error-cancels' waits: for every endpoint to be
// busy before the failure, and for requests in flight at the failure to be
// cancelled before the world lets them finish anyway.
const holdBound = 2 * time.Second

func checkFirstErrorCancels(ctx context.Context, impl Impl) suite.Outcome {
	w := newWorld(propertyModels, propertyJitter, 60)
	failing, bad := w.models[0], w.inputs[1]
	failing.Control(w.rec).FailOn(bad.ID)
	// Freeze the batch in a known state: every request waits, after its
	// latency, until the world releases it or its ctx ends, and the
	// failing one fails only once every endpoint has all its slots taken.
	// Then no request can end by itself after the failure, so no slot
	// frees up but by cancellation: a new request after the failure is
	// one the implementation chose to start, never a race it lost.
	release, fire := make(chan struct{}), make(chan struct{})
	for _, m := range w.models {
		m.Control(w.rec).HoldUntil(release)
	}
	failing.Control(w.rec).HoldUntil(fire, bad.ID)
	done := make(chan runResult, 1) // buffered: the run never blocks if we stop waiting
	go func() { done <- w.run(ctx, impl) }()

	busy, stopBusy := context.WithTimeout(ctx, holdBound/2)
	full := true
	for _, m := range w.models {
		if m.AwaitCalls(busy, m.Limit()) != nil {
			full = false // not parallel enough to fill every endpoint: fail anyway
			break
		}
	}
	stopBusy()
	close(fire)
	var r runResult
	released, closed := false, false
	bound := time.NewTimer(holdBound)
	select {
	case r = <-done:
	case <-bound.C:
		// Had the failure happened, the requests still held were never
		// cancelled; if not (a serial implementation still waits on its
		// first request), the batch simply goes on.
		for _, s := range w.rec.SpansOf(failing.Resource()) {
			if s.Label == bad.ID && s.Err == simworld.ErrServer.Error() {
				released = true
			}
		}
		close(release)
		closed = true
		select {
		case r = <-done:
		case <-ctx.Done():
			return suite.Outcome{Observed: "still running after its property's time was up", Timeline: w.rec.Spans()}
		}
	}
	bound.Stop()
	if !closed {
		close(release)
	}
	spans := w.rec.Spans()
	o := suite.Outcome{Timeline: spans}

	var failEnd time.Duration
	found := false
	for _, s := range spans {
		if s.Resource == failing.Resource() && s.Label == bad.ID && s.Err == simworld.ErrServer.Error() {
			failEnd, found = s.End, true
			break
		}
	}
	var problems []string
	switch {
	case r.err == nil:
		problems = append(problems, fmt.Sprintf("returned no error although %s failed on %s", failing.Name(), bad.ID))
	case !errors.Is(r.err, simworld.ErrServer):
		problems = append(problems, fmt.Sprintf("returned %q, which does not wrap the endpoint's error (errors.Is ErrServer)", r.err))
	case !strings.Contains(r.err.Error(), failing.Name()) || !strings.Contains(r.err.Error(), bad.ID):
		problems = append(problems, fmt.Sprintf("the error %q does not say which model (%s) and input (%s) failed", r.err, failing.Name(), bad.ID))
	}
	if !found {
		problems = append(problems, fmt.Sprintf("%s was never called on %s", failing.Name(), bad.ID))
	}
	later := 0
	var laterCalls []simworld.Call
	for _, c := range w.rec.Calls() {
		if found && !c.Running && c.Start > failEnd && c.Err != simworld.ErrOverloaded.Error() {
			later++
			laterCalls = append(laterCalls, c)
		}
	}
	code := suite.CodeOf(impl)
	// The failing request's own slot is the only one free at the
	// failure; an implementation that frees it before it cancels may start
	// one request there.
	const margin = 1
	if later > margin {
		problems = append(problems, fmt.Sprintf("%d requests started after the failure (allowed: %d, in the failed request's slot)", later, margin))
		o.Where = append(o.Where, code.Calls(laterCalls, func(c simworld.Call) string {
			return fmt.Sprintf("request to %s on %s started %s %s failed on %s", c.Resource, c.Label, suite.Since(c, failEnd), failing.Name(), bad.ID)
		})...)
	}
	if released {
		problems = append(problems, fmt.Sprintf("the requests in flight when %s failed were not cancelled (they ran until the world released them %v later)", failing.Name(), holdBound))
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d requests were still running when it returned", r.inFlight))
		o.Where = append(o.Where, r.stillRunning(code)...)
	}
	state := "every endpoint busy with Limit requests when it failed"
	if !full {
		state = fmt.Sprintf("not every endpoint was busy with Limit requests within %v", holdBound/2)
	}
	total := w.rec.Started() // finished or still running
	if len(problems) > 0 {
		o.Observed = strings.Join(problems, "; ") + fmt.Sprintf(" (%s; %d requests in all, of %d in the batch)", state, total, len(w.models)*len(w.inputs))
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("returned %q; %s; %d requests started after the failure (margin %d); %d of %d requests made", r.err, state, later, margin, total, len(w.models)*len(w.inputs))
	return o
}

func checkCancellation(ctx context.Context, impl Impl) suite.Outcome {
	const promptly = 2 * time.Second
	w := newWorld(propertyModels, propertyJitter, 60)
	release := make(chan struct{})
	for _, m := range w.models {
		m.Control(w.rec).HoldUntil(release)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan runResult, 1) // buffered: the run never blocks if we stop waiting
	go func() { done <- w.run(runCtx, impl) }()

	// Cancel once the batch is frozen in a known state: every endpoint
	// busy with Limit requests, all held until cancelled (or, for an
	// implementation too serial to fill them, after holdBound/2). No slot
	// frees up by itself, so a request that starts after the cancel is one
	// the implementation chose to start.
	busy, stopBusy := context.WithTimeout(ctx, holdBound/2)
	full := true
	for _, m := range w.models {
		if m.AwaitCalls(busy, m.Limit()) != nil {
			full = false
			break
		}
	}
	stopBusy()
	cancelAt := w.rec.Now()
	cancel()
	let := sync.OnceFunc(func() { close(release) }) // lets held requests finish without a cancel
	defer let()

	var r runResult
	timer := time.NewTimer(promptly)
	defer timer.Stop()
	select {
	case r = <-done:
	case <-timer.C:
		let()
		select {
		case <-done:
		case <-ctx.Done():
		}
		return suite.Outcome{Observed: fmt.Sprintf("still running %v after ctx was cancelled (its requests in flight were not cancelled)", promptly), Timeline: w.rec.Spans()}
	}
	returnedAt := w.rec.Now()

	spans := w.rec.Spans()
	later := w.rec.StartedAfter(cancelAt)
	margin := len(w.models) // one dispatch per endpoint may have been under way
	if full {
		margin = 0 // no slot was free: nothing could start but by choice
	}
	var problems []string
	if !errors.Is(r.err, context.Canceled) {
		problems = append(problems, fmt.Sprintf("returned %v, want an error wrapping context.Canceled", r.err))
	}
	o := suite.Outcome{Timeline: spans}
	code := suite.CodeOf(impl)
	if later > margin {
		problems = append(problems, fmt.Sprintf("%d requests started after the cancel (allowed: %d already being dispatched)", later, margin))
		o.Where = append(o.Where, afterCancel(code, w.rec.CallsAfter(cancelAt), cancelAt)...)
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d requests were still running when it returned", r.inFlight))
		o.Where = append(o.Where, r.stillRunning(code)...)
	}
	if len(problems) > 0 {
		o.Observed = strings.Join(problems, "; ")
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("returned %v %v after the cancel; %d requests started after it (margin %d); none left running",
		r.err, (returnedAt - cancelAt).Round(10*time.Microsecond), later, margin)
	return o
}

// afterCancel places requests that began after ctx was cancelled at t.
func afterCancel(code suite.Code, calls []simworld.Call, t time.Duration) []suite.Location {
	return code.Calls(calls, func(c simworld.Call) string {
		return fmt.Sprintf("request to %s on %s started %s ctx was cancelled", c.Resource, c.Label, suite.Since(c, t))
	})
}

// holes describes the predictions of res that are missing (zero values), or
// "" if every slot is filled.
func (w world) holes(res Results) string {
	missing := 0
	for m := range res {
		for i := range res[m] {
			if res[m][i].Model == "" {
				missing++
			}
		}
	}
	if missing == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d predictions are empty", missing, len(w.models)*len(w.inputs))
}

// cancelledResult says what is wrong with a run whose ctx was cancelled
// before the batch could finish: it must report ctx's error, and a caller
// that checks only err must never read empty predictions as answers.
func (w world) cancelledResult(r runResult) []string {
	var problems []string
	if !errors.Is(r.err, context.Canceled) {
		got := "nil"
		if r.err != nil {
			got = fmt.Sprintf("%q", r.err)
		}
		problems = append(problems, fmt.Sprintf("returned error %s, want one wrapping context.Canceled", got))
		if r.err == nil && r.results != nil {
			if h := w.holes(r.results); h != "" {
				problems = append(problems, "with results where "+h+", which a caller would take for answers")
			}
		}
	}
	if r.inFlight > 0 {
		problems = append(problems, fmt.Sprintf("%d requests were still running when it returned", r.inFlight))
	}
	return problems
}

func checkCancelledOnEntry(ctx context.Context, impl Impl) suite.Outcome {
	w := newWorld(propertyModels, propertyJitter, 12)
	runCtx, cancel := context.WithCancel(ctx)
	cancel() // the caller gave up before the call
	r := w.run(runCtx, impl)
	problems := w.cancelledResult(r)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	if n := w.rec.Started(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d requests reached an endpoint although ctx was done before the call", n))
		o.Where = suite.CodeOf(impl).Calls(w.rec.Calls(), func(c simworld.Call) string {
			return fmt.Sprintf("request to %s on %s sent although ctx was cancelled before the call", c.Resource, c.Label)
		})
	}
	if len(problems) > 0 {
		o.Observed = "ctx cancelled before the call: " + strings.Join(problems, "; ")
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("ctx cancelled before the call: returned %q and sent no request", r.err)
	return o
}

// betweenDispatchesAfter is the request at whose end the caller cancels.
const betweenDispatchesAfter = 3

func checkCancelledBetweenDispatches(ctx context.Context, impl Impl) suite.Outcome {
	// One endpoint that serves one request at a time: when its third
	// request succeeds no other request is in flight, so nothing fails
	// with ctx's error by itself. The caller cancels at that exact moment
	// (before Predict returns), and the implementation, about to dispatch
	// the fourth input, must notice and say so.
	w := newWorld([]modelSpec{{"classifier", simworld.Classifier, 2 * time.Millisecond, 1}}, 0, 10)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cancelAt time.Duration
	w.models[0].Control(w.rec).OnEnded(betweenDispatchesAfter, func() {
		cancelAt = w.rec.Now()
		cancel()
	})
	r := w.run(runCtx, impl)
	o := suite.Outcome{Timeline: w.rec.Spans()}
	calls := w.models[0].Calls()
	if calls < betweenDispatchesAfter {
		o.Observed = fmt.Sprintf("only %d requests were sent (%v); the cancel comes when request %d ends", calls, r.err, betweenDispatchesAfter)
		return o
	}
	problems := w.cancelledResult(r)
	// The only request that may still start is one whose dispatch had
	// begun: the endpoint takes one at a time, so at most one.
	if later := w.rec.StartedAfter(cancelAt); later > 1 {
		problems = append(problems, fmt.Sprintf("%d requests started after the cancel (allowed: 1 already being dispatched)", later))
		o.Where = afterCancel(suite.CodeOf(impl), w.rec.CallsAfter(cancelAt), cancelAt)
	}
	if len(problems) > 0 {
		o.Observed = fmt.Sprintf("ctx cancelled as request %d of %d succeeded: ", betweenDispatchesAfter, len(w.inputs)) + strings.Join(problems, "; ")
		return o
	}
	o.Pass = true
	o.Observed = fmt.Sprintf("ctx cancelled as request %d of %d succeeded: returned %q; %d requests made, none left running",
		betweenDispatchesAfter, len(w.inputs), r.err, w.rec.Started())
	return o
}

func checkNoLeakedGoroutines(ctx context.Context, impl Impl) suite.Outcome {
	before := goleak.IgnoreCurrent()
	ok := newWorld(propertyModels, propertyJitter, 24)
	okRun := ok.run(ctx, impl)
	failing := newWorld(propertyModels, propertyJitter, 24)
	failing.models[1].Control(failing.rec).FailOn(failing.inputs[2].ID)
	failRun := failing.run(ctx, impl)

	o := suite.Outcome{Timeline: failing.rec.Spans()}
	if okRun.err != nil {
		o.Observed = fmt.Sprintf("the successful batch returned an error: %v", okRun.err)
		return o
	}
	if failRun.err == nil {
		o.Observed = "the failing batch returned no error"
		return o
	}
	if err := goleak.Find(before); err != nil {
		o.Observed = fmt.Sprintf("goroutines still running after the implementation returned: %v", err)
		o.Where = suite.CodeOf(impl).Leaked(err)
		return o
	}
	o.Pass = true
	o.Observed = "no goroutine left running after a successful batch and after a failing one"
	return o
}

// The benchmark world: the same three endpoints with fixed latencies, so the
// ideal speedup follows from them exactly.
const (
	benchInputs = 24
	benchClf    = 10 * time.Millisecond
	benchEmb    = 6 * time.Millisecond
	benchTox    = 12 * time.Millisecond
	benchClfLim = 4
	benchEmbLim = 3
	benchToxLim = 6
)

var benchModels = []modelSpec{
	{"classifier", simworld.Classifier, benchClf, benchClfLim},
	{"embedder", simworld.Embedder, benchEmb, benchEmbLim},
	{"toxicity", simworld.ToxicityFilter, benchTox, benchToxLim},
}

// IdealSpeedup is the best speedup over Sequential on the benchmark world.
// Sequential takes the sum of every request: 24 × (10+6+12) ms = 672 ms.
// With every model at once and Limit requests per model in flight, a
// model takes ceil(24/Limit) rounds of its latency: classifier 6 × 10 ms,
// embedder 8 × 6 ms, toxicity 4 × 12 ms; the slowest, 60 ms, is the
// critical path. 672 / 60 = 11.2.
const IdealSpeedup = float64(benchInputs*(benchClf+benchEmb+benchTox)) /
	float64(max(
		(benchInputs+benchClfLim-1)/benchClfLim*benchClf,
		(benchInputs+benchEmbLim-1)/benchEmbLim*benchEmb,
		(benchInputs+benchToxLim-1)/benchToxLim*benchTox,
	))

// Workload runs impl once on the benchmark world and checks its results.
func Workload(ctx context.Context, impl Impl) error {
	w := newWorld(benchModels, 0, benchInputs)
	r := w.run(ctx, impl)
	if r.err != nil {
		return fmt.Errorf("run batch: %w", r.err)
	}
	if bad := w.wrong(r.results); bad != "" {
		return fmt.Errorf("check batch: %s", bad)
	}
	return nil
}
