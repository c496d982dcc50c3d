package simworld

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Errors a simulated model endpoint returns. They carry the HTTP status a
// real inference endpoint would answer with, and deliberately not the model
// or input: saying which call failed is the caller's job.
var (
	// ErrOverloaded is returned at once when a request arrives while the
	// endpoint already serves Limit requests.
	ErrOverloaded = errors.New("429 too many requests")
	// ErrServer is the injected inference failure (FailOn, ErrorRate).
	ErrServer = errors.New("500 internal server error")
)

// ModelKind says what a simulated model predicts.
type ModelKind int

const (
	// Classifier predicts a topic label with a confidence score.
	Classifier ModelKind = iota
	// Embedder predicts an embedding vector of EmbeddingDim floats.
	Embedder
	// ToxicityFilter predicts a toxicity score and the label "toxic" or "ok".
	ToxicityFilter
)

// EmbeddingDim is the length of an Embedder's vectors.
const EmbeddingDim = 8

// Topics are the labels a Classifier predicts.
var Topics = []string{"sports", "politics", "tech", "health", "finance"}

// Input is one item of a batch sent to a model.
type Input struct {
	ID   string
	Text string
}

// Prediction is a model's answer for one input. Which fields are set depends
// on the model's kind.
type Prediction struct {
	Model     string
	InputID   string
	Label     string    // Classifier and ToxicityFilter
	Score     float64   // Classifier (confidence) and ToxicityFilter (toxicity)
	Embedding []float64 // Embedder
}

// ModelConfig describes a simulated model endpoint.
type ModelConfig struct {
	Name string
	Kind ModelKind
	// Latency is the time every request takes; Jitter adds a further
	// duration in [0, Jitter), drawn per input from Seed.
	Latency time.Duration
	Jitter  time.Duration
	// Limit is the endpoint's capacity: a request that arrives while Limit
	// requests are in flight is refused with ErrOverloaded. It must be positive.
	Limit int
	// ErrorRate is the fraction of inputs, chosen per input from Seed, whose
	// request fails with ErrServer after the latency.
	ErrorRate float64
	Seed      uint64
}

// Model is a simulated model endpoint. Every request is recorded on the
// Recorder under the resource "model/<name>", labelled with the input's ID.
// Predictions, latencies and injected failures are functions of the seed,
// the model's name and the input, never of the order of requests, so a
// concurrent caller sees exactly what a sequential one sees. It is safe for
// concurrent use.
type Model struct {
	cfg      ModelConfig
	rec      *Recorder
	resource string

	mu          sync.Mutex
	failOn      map[string]bool
	inFlight    int
	maxInFlight int
	overloads   int
	started     countWaiter
	ended       int
	onEnded     map[int]func()
	hold        <-chan struct{}            // every request waits for it, if set
	holdFor     map[string]<-chan struct{} // per input ID, overriding hold
}

// NewModel returns a model endpoint recording on rec. It panics if
// cfg.Limit is not positive or cfg.Name is empty: both are programming errors.
func NewModel(rec *Recorder, cfg ModelConfig) *Model {
	if cfg.Name == "" || cfg.Limit <= 0 {
		panic(fmt.Sprintf("simworld.NewModel: need a name and a positive Limit, got %q and %d", cfg.Name, cfg.Limit))
	}
	return &Model{cfg: cfg, rec: rec, resource: "model/" + cfg.Name, failOn: map[string]bool{}}
}

// Name returns the model's name.
func (m *Model) Name() string { return m.cfg.Name }

// Limit returns how many requests the endpoint serves at once.
func (m *Model) Limit() int { return m.cfg.Limit }

// Resource returns the name the model's calls are recorded under.
func (m *Model) Resource() string { return m.resource }

// ModelControl holds the levers a property pulls on a model: injected
// failures, holds and hooks. Only the holder of the model's Recorder gets
// one (see Model.Control): code under test is given models, never their
// recorder, so it can neither undo what a property arranged (release a
// hold, replace a hook) nor arrange what suits it.
type ModelControl struct{ m *Model }

// Control returns the model's levers. rec must be the recorder the model
// records on; any other panics.
func (m *Model) Control(rec *Recorder) ModelControl {
	if rec == nil || rec != m.rec {
		panic(fmt.Sprintf("simworld: the controls of %s belong to the holder of its recorder", m.resource))
	}
	return ModelControl{m}
}

// FailOn makes the requests for the given input IDs fail with ErrServer.
func (c ModelControl) FailOn(ids ...string) {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.failOn[id] = true
	}
}

// Predict sends one request. It returns ctx.Err() without reaching the
// endpoint if ctx is already done, ErrOverloaded at once if Limit requests
// are in flight, ctx.Err() if ctx ends while the request runs, and ErrServer
// for an injected failure. The request has ended, and its slot is free,
// when Predict returns.
func (m *Model) Predict(ctx context.Context, in Input) (Prediction, error) {
	if err := ctx.Err(); err != nil {
		return Prediction{}, err
	}
	m.mu.Lock()
	if m.inFlight >= m.cfg.Limit {
		m.overloads++
		m.mu.Unlock()
		m.rec.Begin(m.resource, in.ID)(ErrOverloaded)
		return Prediction{}, ErrOverloaded
	}
	m.inFlight++
	m.maxInFlight = max(m.maxInFlight, m.inFlight)
	fail := m.failOn[in.ID]
	end := m.rec.Begin(m.resource, in.ID)
	m.started.add()
	m.mu.Unlock()

	rng := m.rng(in)
	d := m.cfg.Latency
	if m.cfg.Jitter > 0 {
		d += time.Duration(rng.Int64N(int64(m.cfg.Jitter)))
	}
	fail = fail || rng.Float64() < m.cfg.ErrorRate
	err := Sleep(ctx, d)
	if hold := m.holdOf(in.ID); err == nil && hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err == nil && fail {
		err = ErrServer
	}
	end(err)
	m.mu.Lock()
	m.inFlight--
	m.ended++
	hook := m.onEnded[m.ended]
	m.mu.Unlock()
	if hook != nil {
		hook()
	}
	if err != nil {
		return Prediction{}, err
	}
	return m.Expect(in), nil
}

// Expect returns the prediction a successful request for in returns.
func (m *Model) Expect(in Input) Prediction {
	rng := m.rng(Input{ID: "\x00prediction", Text: in.Text})
	p := Prediction{Model: m.cfg.Name, InputID: in.ID}
	switch m.cfg.Kind {
	case Classifier:
		p.Label = Topics[rng.IntN(len(Topics))]
		p.Score = 0.5 + rng.Float64()/2
	case Embedder:
		p.Embedding = make([]float64, EmbeddingDim)
		var norm float64
		for i := range p.Embedding {
			p.Embedding[i] = rng.NormFloat64()
			norm += p.Embedding[i] * p.Embedding[i]
		}
		for i := range p.Embedding {
			p.Embedding[i] /= math.Sqrt(norm)
		}
	case ToxicityFilter:
		p.Score = rng.Float64()
		p.Label = "ok"
		if p.Score > 0.8 {
			p.Label = "toxic"
		}
	}
	return p
}

// OnEnded makes the n-th accepted request to end call fn before its Predict
// returns, after its slot is free. A property uses it to act at an exact
// point of a batch (cancel the caller's context between two dispatches)
// without a clock. Set it before the batch starts.
func (c ModelControl) OnEnded(n int, fn func()) {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.onEnded == nil {
		m.onEnded = map[int]func(){}
	}
	m.onEnded[n] = fn
}

// HoldUntil makes accepted requests wait, after their latency, until
// release is closed or their ctx is done: with no ids, every request; with
// ids, the requests for those inputs (which then wait for this release and
// no other). A property uses it to freeze a batch in a known state (every
// slot taken, nothing about to finish) before it makes something happen.
// Set it before the batch starts.
func (c ModelControl) HoldUntil(release <-chan struct{}, ids ...string) {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(ids) == 0 {
		m.hold = release
		return
	}
	if m.holdFor == nil {
		m.holdFor = map[string]<-chan struct{}{}
	}
	for _, id := range ids {
		m.holdFor[id] = release
	}
}

func (m *Model) holdOf(id string) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ch, ok := m.holdFor[id]; ok {
		return ch
	}
	return m.hold
}

// Calls returns how many requests the endpoint accepted.
func (m *Model) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.started.n
}

// Overloads returns how many requests were refused with ErrOverloaded.
func (m *Model) Overloads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.overloads
}

// MaxInFlight returns the most requests the endpoint served at once.
func (m *Model) MaxInFlight() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxInFlight
}

// AwaitCalls blocks until the endpoint has accepted n requests in all, or
// ctx is done. Tests use it to act while a batch is under way without
// sleeping.
func (m *Model) AwaitCalls(ctx context.Context, n int) error {
	m.mu.Lock()
	ch := m.started.wait(n)
	m.mu.Unlock()
	select {
	case <-ch: // reached already: succeed even if ctx is done
		return nil
	default:
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %d calls on %s: %w", n, m.resource, ctx.Err())
	}
}

// rng returns the random source for in on this model: the same seed, name
// and input always give the same draws.
func (m *Model) rng(in Input) *rand.Rand {
	h := fnv.New64a()
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], m.cfg.Seed)
	h.Write(seed[:])
	h.Write([]byte(m.cfg.Name))
	h.Write([]byte{0})
	h.Write([]byte(in.ID))
	h.Write([]byte{0})
	h.Write([]byte(in.Text))
	return rand.New(rand.NewPCG(m.cfg.Seed, h.Sum64()))
}

// countWaiter counts events and wakes whoever waits for the count to reach
// a number. Its owner guards it with a mutex.
type countWaiter struct {
	n       int
	waiters []countWait
}

type countWait struct {
	n  int
	ch chan struct{}
}

// add counts one event and wakes the waiters whose number was reached.
func (c *countWaiter) add() {
	c.n++
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if c.n >= w.n {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// wait returns a channel closed once the count reaches n.
func (c *countWaiter) wait(n int) <-chan struct{} {
	ch := make(chan struct{})
	if c.n >= n {
		close(ch)
		return ch
	}
	c.waiters = append(c.waiters, countWait{n: n, ch: ch})
	return ch
}
