package simworld

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func testInput(i int) Input {
	return Input{ID: fmt.Sprintf("in-%03d", i), Text: fmt.Sprintf("text number %d", i)}
}

func TestModelPredictReturnsExpectAndRecords(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := NewRecorder()
	for _, kind := range []ModelKind{Classifier, Embedder, ToxicityFilter} {
		m := NewModel(rec, ModelConfig{Name: fmt.Sprintf("m%d", kind), Kind: kind, Latency: time.Millisecond, Limit: 1, Seed: 7})
		in := testInput(1)
		p, err := m.Predict(context.Background(), in)
		require.NoError(t, err)
		assert.Equal(t, m.Expect(in), p)
		assert.Equal(t, m.Name(), p.Model)
		assert.Equal(t, in.ID, p.InputID)
		switch kind {
		case Classifier:
			assert.Contains(t, Topics, p.Label)
			assert.GreaterOrEqual(t, p.Score, 0.5)
		case Embedder:
			assert.Len(t, p.Embedding, EmbeddingDim)
		case ToxicityFilter:
			assert.Contains(t, []string{"ok", "toxic"}, p.Label)
		}
		spans := rec.SpansOf(m.Resource())
		require.Len(t, spans, 1)
		assert.Equal(t, in.ID, spans[0].Label)
		assert.Empty(t, spans[0].Err)
		assert.GreaterOrEqual(t, spans[0].End-spans[0].Start, time.Millisecond)
	}
}

func TestModelPredictionsDependOnInputNotOrder(t *testing.T) {
	cfg := ModelConfig{Name: "clf", Kind: Classifier, Latency: time.Millisecond, Limit: 4, Seed: 1}
	a, b := NewModel(NewRecorder(), cfg), NewModel(NewRecorder(), cfg)
	labels := map[string]bool{}
	for i := range 20 {
		in := testInput(i)
		assert.Equal(t, a.Expect(in), b.Expect(testInput(i)))
		labels[a.Expect(in).Label] = true
	}
	assert.Greater(t, len(labels), 1, "a classifier that always says the same is no test of ordering")
	other := NewModel(NewRecorder(), ModelConfig{Name: "clf2", Kind: Classifier, Latency: time.Millisecond, Limit: 4, Seed: 1})
	differs := false
	for i := range 20 {
		differs = differs || other.Expect(testInput(i)).Label != a.Expect(testInput(i)).Label
	}
	assert.True(t, differs, "two models should not predict the same for every input")
}

func TestModelRefusesRequestsBeyondLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := NewRecorder()
	m := NewModel(rec, ModelConfig{Name: "emb", Kind: Embedder, Latency: time.Minute, Limit: 3})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = m.Predict(ctx, testInput(i))
		}()
	}
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	require.NoError(t, m.AwaitCalls(wait, 3))

	_, err := m.Predict(ctx, testInput(99))
	assert.ErrorIs(t, err, ErrOverloaded)
	assert.Equal(t, 1, m.Overloads())
	assert.Equal(t, 3, m.MaxInFlight())
	assert.Equal(t, 3, m.Calls(), "a refused request is not an accepted call")

	cancel()
	wg.Wait()
	for _, err := range errs {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Equal(t, 0, rec.InFlight(m.Resource()))
	assert.Equal(t, 4, rec.MaxInFlight(m.Resource()), "the recorder sees the refused request too")

	// Once the slots are free the endpoint serves again.
	m2 := NewModel(rec, ModelConfig{Name: "again", Latency: time.Millisecond, Limit: 1})
	for i := range 3 {
		_, err := m2.Predict(context.Background(), testInput(i))
		require.NoError(t, err)
	}
	assert.Equal(t, 0, m2.Overloads())
}

func TestModelFailOn(t *testing.T) {
	rec := NewRecorder()
	m := NewModel(rec, ModelConfig{Name: "tox", Kind: ToxicityFilter, Latency: time.Millisecond, Limit: 1})
	m.Control(rec).FailOn("in-002")
	for i := range 4 {
		_, err := m.Predict(context.Background(), testInput(i))
		if i == 2 {
			assert.ErrorIs(t, err, ErrServer)
			assert.NotContains(t, err.Error(), "in-002", "the endpoint does not say which call failed")
		} else {
			assert.NoError(t, err)
		}
	}
	spans := rec.SpansOf(m.Resource())
	require.Len(t, spans, 4)
	assert.Equal(t, ErrServer.Error(), spans[2].Err)
	assert.GreaterOrEqual(t, spans[2].End-spans[2].Start, time.Millisecond, "an injected failure still takes the latency")
}

func TestModelErrorRateIsSeededPerInput(t *testing.T) {
	cfg := ModelConfig{Name: "flaky", Latency: time.Microsecond, Limit: 1, ErrorRate: 0.3, Seed: 42}
	failures := func() []string {
		m := NewModel(NewRecorder(), cfg)
		var out []string
		for i := range 60 {
			if _, err := m.Predict(context.Background(), testInput(i)); err != nil {
				require.ErrorIs(t, err, ErrServer)
				out = append(out, testInput(i).ID)
			}
		}
		return out
	}
	first := failures()
	assert.Equal(t, first, failures(), "the same seed fails the same inputs")
	assert.NotEmpty(t, first)
	assert.Less(t, len(first), 60)
}

func TestModelJitterIsBoundedBelowByLatency(t *testing.T) {
	rec := NewRecorder()
	m := NewModel(rec, ModelConfig{Name: "j", Latency: 2 * time.Millisecond, Jitter: 3 * time.Millisecond, Limit: 1, Seed: 3})
	for i := range 5 {
		_, err := m.Predict(context.Background(), testInput(i))
		require.NoError(t, err)
	}
	for _, s := range rec.SpansOf(m.Resource()) {
		assert.GreaterOrEqual(t, s.End-s.Start, 2*time.Millisecond)
	}
}

func TestModelHonoursContext(t *testing.T) {
	rec := NewRecorder()
	m := NewModel(rec, ModelConfig{Name: "c", Latency: time.Millisecond, Limit: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Predict(ctx, testInput(0))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, rec.Spans(), "a request with a done context never reaches the endpoint")
	assert.Equal(t, 0, m.Calls())

	err = m.AwaitCalls(ctx, 1)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoError(t, m.AwaitCalls(ctx, 0), "zero calls are always reached")
}

func TestNewModelRejectsBadConfig(t *testing.T) {
	assert.Panics(t, func() { NewModel(NewRecorder(), ModelConfig{Name: "x"}) })
	assert.Panics(t, func() { NewModel(NewRecorder(), ModelConfig{Limit: 1}) })
}
