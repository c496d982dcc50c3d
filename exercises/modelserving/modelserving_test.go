package modelserving

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSolutionPassesEveryProperty(t *testing.T) { suitetest.SolutionPasses(t, Suite(), solution) }

func TestSequentialFailsConcurrencyProperties(t *testing.T) {
	suitetest.SequentialFails(t, Suite(), Sequential, PropDynamicBatching, PropLoadShedding)
}

func TestSuiteRun(t *testing.T) {
	Suite().Run(t, solution)
}

func TestInfo(t *testing.T) {
	assert.Equal(t, "model-serving", Info.Slug)
	assert.Equal(t, Suite().Exercise, Info.Slug)
	for _, name := range []string{"README.md", "guide.md", "exercise.go", "solution.go"} {
		f, err := Info.Files.Open(name)
		require.NoError(t, err, name)
		require.NoError(t, f.Close())
	}
	assert.InDelta(t, 9.33, IdealSpeedup, 0.01)
}

// TestPropertiesHaveTeeth runs each property on a server with the flaw it
// is there to catch.
func TestPropertiesHaveTeeth(t *testing.T) {
	tests := []struct {
		name     string
		impl     Impl
		property string
	}{
		{"outputs handed to the wrong requests", func(m Model, c Config) Server { return solution(rotatingModel{m}, c) }, PropCorrectResponses},
		{"a goroutine per request calling the model", unserialised, PropBatchLimits},
		{"batches larger than MaxBatch", func(m Model, c Config) Server { c.MaxBatch *= 3; return solution(m, c) }, PropBatchLimits},
		{"waits for a full batch", func(m Model, c Config) Server { c.MaxWait = time.Hour; return solution(m, c) }, PropLoneRequest},
		{"a goroutine per request calling the model", unserialised, PropDynamicBatching},
		{"unbounded queue", func(m Model, c Config) Server { c.QueueSize = 1 << 20; return solution(m, c) }, PropLoadShedding},
		{"queue one too long", func(m Model, c Config) Server { c.QueueSize++; return solution(m, c) }, PropLoadShedding},
		{"no deadline", func(m Model, c Config) Server { c.Timeout = time.Hour; return solution(m, c) }, PropRequestDeadline},
		{"expired requests keep their queue slot", lazyQueue, PropRequestDeadline},
		{"model call detached from its clients", func(m Model, c Config) Server { return solution(detachedModel{m}, c) }, PropClientDisconnect},
		{"queued request kept after its client left", lazyQueue, PropClientDisconnect},
		{"Shutdown drops the queue", dropsQueue, PropGracefulShutdown},
		{"model call under its first request's context", actorServer(true), PropClientDisconnect},
		{"Shutdown ignores its ctx", func(m Model, c Config) Server {
			s := solution(m, c)
			return ServerFuncs{Handler: s, OnShutdown: func(ctx context.Context) error { return s.Shutdown(context.WithoutCancel(ctx)) }}
		}, PropShutdownCancelledOnEntry},
		{"Shutdown looks at its ctx only on entry", func(m Model, c Config) Server {
			s := solution(m, c)
			return ServerFuncs{Handler: s, OnShutdown: func(ctx context.Context) error {
				if err := ctx.Err(); err != nil {
					return s.Shutdown(ctx)
				}
				return s.Shutdown(context.WithoutCancel(ctx))
			}}
		}, PropShutdownCancelledDrain},
	}
	for _, tt := range tests {
		t.Run(tt.property+"/"+tt.name, func(t *testing.T) {
			r := suitetest.CheckOne(t, Suite(), tt.property, tt.impl)
			t.Logf("observed: %s", r.Observed)
			assert.False(t, r.Pass, "%s should fail %s", tt.name, tt.property)
		})
	}
}

var alternatives = []struct {
	name string
	impl Impl
}{
	{"actor", actorServer(false)},
	{"events", eventServer},
}

func TestAlternativesPassEveryRun(t *testing.T) {
	for _, a := range alternatives {
		t.Run(a.name, func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), a.impl, suitetest.Runs(20)/4) })
	}
}

func TestAlternativesPassUnderCPUHog(t *testing.T) {
	suitetest.UnderCPUHog(t, func() {
		for _, a := range alternatives {
			t.Run(a.name, func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), a.impl, suitetest.Runs(20)/10) })
		}
		t.Run("reference", func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), Impl(solution), suitetest.Runs(20)/10) })
	})
}

// TestGracefulShutdownCatchesALeakedBatcher: a Shutdown that returns at
// once leaves the batcher running, and the property says so.
func TestGracefulShutdownCatchesALeakedBatcher(t *testing.T) {
	var mu sync.Mutex
	var leaked []Server
	impl := func(m Model, c Config) Server {
		s := solution(m, c)
		mu.Lock()
		leaked = append(leaked, s)
		mu.Unlock()
		return ServerFuncs{Handler: s, OnShutdown: func(context.Context) error { return nil }}
	}
	r := suitetest.CheckOne(t, Suite(), PropGracefulShutdown, impl)
	t.Logf("observed: %s", r.Observed)
	assert.False(t, r.Pass)
	assert.Contains(t, r.Observed, "leaked goroutines: found unexpected goroutines")
	for _, s := range leaked { // stop what the flawed Shutdown left behind
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		require.NoError(t, s.Shutdown(ctx))
		cancel()
	}
}

func TestSolutionShutdownAbortsWhenItsContextEnds(t *testing.T) {
	w := newWorld(context.Background(), solution, Config{MaxBatch: 2, MaxWait: time.Millisecond, QueueSize: 4, Timeout: 10 * time.Second})
	hold := w.model.Hold()
	c := w.send(0)
	require.NoError(t, w.awaitModelCalls(context.Background(), 1, 1))
	queued := w.send(1)
	require.NoError(t, w.tally.await(context.Background(), longWait, "the second request reaches its handler", func(c counts) bool { return c.entered >= 2 }))

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time to drain: abort
	w.shutdownCalled = true
	assert.ErrorIs(t, w.srv.Shutdown(ctx), context.Canceled)
	hold.Release()
	w.close()
	assert.Equal(t, http.StatusServiceUnavailable, c.reply.Status, "the aborted model call's request")
	assert.Equal(t, http.StatusServiceUnavailable, queued.reply.Status, "the queued request")
}

// rotatingModel hands each request the output of the next one in its batch,
// as a server that matches outputs to requests wrongly does.
type rotatingModel struct{ Model }

func (m rotatingModel) PredictBatch(ctx context.Context, batch []Input) ([]Output, error) {
	out, err := m.Model.PredictBatch(ctx, batch)
	if err != nil || len(out) < 2 {
		return out, err
	}
	return append(out[1:], out[0]), nil
}

// detachedModel runs every call on a context that its clients cannot cancel.
type detachedModel struct{ Model }

func (m detachedModel) PredictBatch(ctx context.Context, batch []Input) ([]Output, error) {
	return m.Model.PredictBatch(context.WithoutCancel(ctx), batch)
}

// unserialised calls the model from every handler at once, one request per
// call: as many calls on the one device as there are clients.
func unserialised(model Model, cfg Config) Server {
	var wg sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		in, err := DecodeInput(r)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		out, err := model.PredictBatch(r.Context(), []Input{in})
		if err != nil {
			WriteError(w, http.StatusInternalServerError, err.Error())
			return
		}
		WriteOutput(w, out[0])
	})
	return ServerFuncs{Handler: h, OnShutdown: func(context.Context) error { wg.Wait(); return nil }}
}

// dropsQueue aborts at once on Shutdown instead of draining.
func dropsQueue(model Model, cfg Config) Server {
	s := solution(model, cfg)
	return ServerFuncs{Handler: s, OnShutdown: func(ctx context.Context) error {
		now, cancel := context.WithCancel(ctx)
		cancel()
		_ = s.Shutdown(now)
		return nil
	}}
}

// lazyQueue batches through a buffered channel: a request that gives up
// keeps its slot until the batcher pulls it, and model calls run on a
// context of their own, so a departed client cancels nothing.
func lazyQueue(model Model, cfg Config) Server {
	queue := make(chan *pending, cfg.QueueSize)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			var batch []*pending
			select {
			case p := <-queue:
				batch = append(batch, p)
			case <-stop:
				return
			}
			timer := time.NewTimer(cfg.MaxWait)
		collect:
			for len(batch) < cfg.MaxBatch {
				select {
				case p := <-queue:
					batch = append(batch, p)
				case <-timer.C:
					break collect
				}
			}
			timer.Stop()
			inputs := make([]Input, len(batch))
			for i, p := range batch {
				inputs[i] = p.in
			}
			outs, err := model.PredictBatch(context.Background(), inputs)
			for i, p := range batch {
				if err != nil {
					p.reply <- reply{err: err}
				} else {
					p.reply <- reply{out: outs[i]}
				}
			}
		}
	}()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := DecodeInput(r)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), cfg.Timeout)
		defer cancel()
		p := &pending{ctx: ctx, in: in, reply: make(chan reply, 1)}
		select {
		case queue <- p:
		default:
			WriteError(w, http.StatusTooManyRequests, "queue full")
			return
		}
		select {
		case rep := <-p.reply:
			if rep.err != nil {
				WriteError(w, http.StatusInternalServerError, rep.err.Error())
				return
			}
			WriteOutput(w, rep.out)
		case <-ctx.Done():
			WriteError(w, http.StatusGatewayTimeout, "deadline passed")
		}
	})
	var once sync.Once
	return ServerFuncs{Handler: h, OnShutdown: func(ctx context.Context) error {
		once.Do(func() { close(stop) })
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
}
