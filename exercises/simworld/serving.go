package simworld

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// ServingResource is the resource a ServingModel's calls are recorded under.
const ServingResource = "model/batch"

// ServingInput is one instance sent to a ServingModel. Its JSON form is the
// body of a model server's predict request.
type ServingInput struct {
	ID       string    `json:"id"`
	Features []float64 `json:"features"`
}

// ServingOutput is a ServingModel's prediction for one instance. Its JSON
// form is the body of a model server's predict response.
type ServingOutput struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
	Label string  `json:"label"`
}

// ServingPredict is the function a ServingModel computes for one instance:
// a fixed linear model squashed to (0, 1), labelled "positive" above 0.5.
// Checks use it to know what a correct response is.
func ServingPredict(in ServingInput) ServingOutput {
	var z float64
	for i, x := range in.Features {
		z += x / float64(i+1)
	}
	score := 1 / (1 + math.Exp(-z))
	label := "negative"
	if score > 0.5 {
		label = "positive"
	}
	return ServingOutput{ID: in.ID, Score: score, Label: label}
}

// ErrServingOOM is returned when a batch exceeds the model's Capacity, as an
// accelerator runs out of memory for the activations of too large a batch.
var ErrServingOOM = errors.New("out of accelerator memory")

// ServingModelConfig sets a ServingModel's latency and memory.
type ServingModelConfig struct {
	// Overhead is the fixed cost of one call whatever its size (transfer,
	// kernel launch); PerItem is added for each instance in the batch. A
	// large Overhead against a small PerItem is what makes batching pay.
	Overhead time.Duration
	PerItem  time.Duration
	// Capacity is the largest batch that fits in accelerator memory; a
	// larger batch fails with ErrServingOOM. Zero means no limit.
	Capacity int
}

// ServingCall is one recorded call of a ServingModel.
type ServingCall struct {
	IDs   []string      // the instances of the batch, in order
	Start time.Duration // on the recorder's clock
	End   time.Duration // zero while the call runs
	Err   string        // empty on success
	Done  bool          // the call has returned
}

// ServingModel is a simulated model behind a batch-predict call, like one
// accelerator running a network: a call of n instances takes
// Overhead + n*PerItem. Calls are recorded on the Recorder under
// ServingResource, labelled with the batch size, and kept with their
// instance IDs. A Hold stops calls in their tracks, so a check can fill a
// server's queue while the model is busy. It is safe for concurrent use; it
// does not serialise concurrent calls (checks assert that a server does).
type ServingModel struct {
	rec *Recorder
	cfg ServingModelConfig

	mu       sync.Mutex
	calls    []ServingCall
	items    int           // instances in running calls
	served   int           // instances of calls that succeeded
	hold     *ServingHold  // non-nil while calls are held
	changed  chan struct{} // closed and replaced at every change, to wake waiters
	maxBatch int
}

// NewServingModel returns a model recording on rec. It panics on a negative
// latency or capacity: a programming error.
func NewServingModel(rec *Recorder, cfg ServingModelConfig) *ServingModel {
	if cfg.Overhead < 0 || cfg.PerItem < 0 || cfg.Capacity < 0 {
		panic(fmt.Sprintf("simworld.NewServingModel: negative setting in %+v", cfg))
	}
	return &ServingModel{rec: rec, cfg: cfg, changed: make(chan struct{})}
}

// Latency returns how long a call with n instances takes when not held.
func (m *ServingModel) Latency(n int) time.Duration {
	return m.cfg.Overhead + time.Duration(n)*m.cfg.PerItem
}

// Config returns the model's settings.
func (m *ServingModel) Config() ServingModelConfig { return m.cfg }

// PredictBatch returns one output per instance, in the batch's order. It
// returns ctx.Err() without calling the model if ctx is already done, and
// ctx.Err() if ctx ends during the call. A batch that is empty, larger than
// Capacity, or holds an instance without features fails as a whole, as a
// real batched call does.
func (m *ServingModel) PredictBatch(ctx context.Context, batch []ServingInput) ([]ServingOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids := make([]string, len(batch))
	for i, in := range batch {
		ids[i] = in.ID
	}
	end := m.rec.Begin(ServingResource, fmt.Sprintf("batch of %d", len(batch)))
	m.mu.Lock()
	idx := len(m.calls)
	m.calls = append(m.calls, ServingCall{IDs: ids, Start: m.rec.Now()})
	m.items += len(batch)
	m.maxBatch = max(m.maxBatch, len(batch))
	hold := m.hold
	m.notifyLocked()
	m.mu.Unlock()

	err := m.run(ctx, hold, batch)
	end(err)
	m.mu.Lock()
	c := &m.calls[idx]
	c.End, c.Done = m.rec.Now(), true
	if err != nil {
		c.Err = err.Error()
	} else {
		m.served += len(batch)
	}
	m.items -= len(batch)
	m.notifyLocked()
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]ServingOutput, len(batch))
	for i, in := range batch {
		out[i] = ServingPredict(in)
	}
	return out, nil
}

// run validates the batch, waits out a hold, then takes the batch's latency.
func (m *ServingModel) run(ctx context.Context, hold *ServingHold, batch []ServingInput) error {
	switch {
	case len(batch) == 0:
		return errors.New("empty batch")
	case m.cfg.Capacity > 0 && len(batch) > m.cfg.Capacity:
		return fmt.Errorf("batch of %d, capacity %d: %w", len(batch), m.cfg.Capacity, ErrServingOOM)
	}
	for _, in := range batch {
		if len(in.Features) == 0 {
			return fmt.Errorf("instance %q has no features", in.ID)
		}
	}
	if hold != nil {
		if err := hold.wait(ctx); err != nil {
			return err
		}
	}
	return Sleep(ctx, m.Latency(len(batch)))
}

// Calls returns the calls made so far, running ones included, in start order.
func (m *ServingModel) Calls() []ServingCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]ServingCall, len(m.calls))
	for i, c := range m.calls {
		c.IDs = append([]string(nil), c.IDs...)
		out[i] = c
	}
	return out
}

// Received reports whether any call, running or finished, included id.
func (m *ServingModel) Received(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.calls {
		for _, got := range c.IDs {
			if got == id {
				return true
			}
		}
	}
	return false
}

// ItemsInFlight returns how many instances the running calls hold.
func (m *ServingModel) ItemsInFlight() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.items
}

// Served returns how many instances were in calls that succeeded.
func (m *ServingModel) Served() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.served
}

// MaxBatch returns the largest batch the model was called with.
func (m *ServingModel) MaxBatch() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxBatch
}

// BatchSizes returns the size of every call in start order.
func (m *ServingModel) BatchSizes() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]int, len(m.calls))
	for i, c := range m.calls {
		out[i] = len(c.IDs)
	}
	return out
}

// Await blocks until cond, evaluated on the model's calls, holds or ctx is
// done. Checks use it to act at the right moment without sleeping: "a call
// has started", "every call has ended".
func (m *ServingModel) Await(ctx context.Context, what string, cond func(calls []ServingCall) bool) error {
	for {
		m.mu.Lock()
		ok, ch := cond(m.calls), m.changed
		m.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait until %s: %w", what, ctx.Err())
		}
	}
}

// RunningCalls reports how many of calls are still running; a helper for Await.
func RunningCalls(calls []ServingCall) int {
	n := 0
	for _, c := range calls {
		if !c.Done {
			n++
		}
	}
	return n
}

// Hold makes calls that start from now on wait, after they are recorded and
// before their latency, until the hold lets them go: Step lets one go,
// Release all of them and ends the hold. Waiting honours the call's ctx. A
// call that started before the hold is not affected. Holding a held model
// returns the current hold.
func (m *ServingModel) Hold() *ServingHold {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hold == nil {
		m.hold = &ServingHold{model: m, step: make(chan struct{}), released: make(chan struct{})}
	}
	return m.hold
}

// ServingHold keeps a ServingModel's calls waiting; see ServingModel.Hold.
type ServingHold struct {
	model    *ServingModel
	step     chan struct{} // unbuffered: a send hands one waiting call its turn
	released chan struct{} // closed by Release
	once     sync.Once
}

func (h *ServingHold) wait(ctx context.Context) error {
	select {
	case <-h.step:
		return nil
	case <-h.released:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Step lets one held call go on, waiting for one to be held if none is. It
// returns an error if ctx ends first or the hold was released.
func (h *ServingHold) Step(ctx context.Context) error {
	select {
	case h.step <- struct{}{}:
		return nil
	case <-h.released:
		return errors.New("step a released hold")
	case <-ctx.Done():
		return fmt.Errorf("step a held model call: %w", ctx.Err())
	}
}

// Release lets every held call go on, and calls that start later run
// without waiting. It is safe to call more than once.
func (h *ServingHold) Release() {
	h.once.Do(func() {
		m := h.model
		m.mu.Lock()
		if m.hold == h {
			m.hold = nil
		}
		m.mu.Unlock()
		close(h.released)
	})
}

func (m *ServingModel) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// String describes the calls briefly, for a check's observation:
// "12 calls, sizes 1 8 8 ...".
func (m *ServingModel) String() string {
	sizes := m.BatchSizes()
	var b strings.Builder
	fmt.Fprintf(&b, "%d calls", len(sizes))
	if len(sizes) > 0 {
		b.WriteString(", sizes")
		for i, s := range sizes {
			if i == 12 {
				b.WriteString(" ...")
				break
			}
			fmt.Fprintf(&b, " %d", s)
		}
	}
	return b.String()
}
