package simworld

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func servingInput(i int) ServingInput {
	return ServingInput{ID: fmt.Sprintf("s%d", i), Features: []float64{float64(i), -1, 0.5}}
}

func servingBatch(n int) []ServingInput {
	b := make([]ServingInput, n)
	for i := range b {
		b[i] = servingInput(i)
	}
	return b
}

func TestServingModelAnswersInOrderAndRecords(t *testing.T) {
	rec := NewRecorder()
	m := NewServingModel(rec, ServingModelConfig{Overhead: 5 * time.Millisecond, PerItem: time.Millisecond, Capacity: 4})
	batch := servingBatch(3)
	out, err := m.PredictBatch(context.Background(), batch)
	require.NoError(t, err)
	require.Len(t, out, 3)
	for i, in := range batch {
		assert.Equal(t, ServingPredict(in), out[i])
		assert.Equal(t, in.ID, out[i].ID)
	}

	spans := rec.SpansOf(ServingResource)
	require.Len(t, spans, 1)
	assert.Equal(t, "batch of 3", spans[0].Label)
	assert.GreaterOrEqual(t, spans[0].End-spans[0].Start, m.Latency(3), "a call takes at least Overhead + n*PerItem")
	assert.Equal(t, 8*time.Millisecond, m.Latency(3))

	calls := m.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, []string{"s0", "s1", "s2"}, calls[0].IDs)
	assert.True(t, calls[0].Done)
	assert.Empty(t, calls[0].Err)
	assert.Equal(t, 3, m.Served())
	assert.Equal(t, 3, m.MaxBatch())
	assert.Equal(t, []int{3}, m.BatchSizes())
	assert.Equal(t, 0, m.ItemsInFlight())
	assert.True(t, m.Received("s1"))
	assert.False(t, m.Received("s3"))
	assert.Equal(t, "1 calls, sizes 3", m.String())
}

func TestServingModelFailsBadBatchesWhole(t *testing.T) {
	m := NewServingModel(NewRecorder(), ServingModelConfig{Capacity: 2})
	ctx := context.Background()

	_, err := m.PredictBatch(ctx, servingBatch(3))
	assert.ErrorIs(t, err, ErrServingOOM)

	_, err = m.PredictBatch(ctx, nil)
	assert.ErrorContains(t, err, "empty batch")

	bad := []ServingInput{servingInput(0), {ID: "empty"}}
	_, err = m.PredictBatch(ctx, bad)
	assert.ErrorContains(t, err, `instance "empty" has no features`)

	assert.Equal(t, 0, m.Served(), "a failed call serves nobody")
	calls := m.Calls()
	require.Len(t, calls, 3, "failed calls are recorded")
	for _, c := range calls {
		assert.NotEmpty(t, c.Err)
	}
}

func TestServingModelHonoursContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m := NewServingModel(NewRecorder(), ServingModelConfig{Overhead: time.Minute})

	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	_, err := m.PredictBatch(done, servingBatch(1))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, m.Calls(), "a call with a done context never reaches the model")

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := m.PredictBatch(ctx, servingBatch(2))
		errc <- err
	}()
	wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	require.NoError(t, m.Await(wait, "the call starts", func(c []ServingCall) bool { return RunningCalls(c) == 1 }))
	assert.Equal(t, 2, m.ItemsInFlight())
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	calls := m.Calls()
	require.Len(t, calls, 1)
	assert.True(t, calls[0].Done)
	assert.Contains(t, calls[0].Err, "canceled")
	assert.Equal(t, 0, m.ItemsInFlight())
}

func TestServingHoldStepsAndReleases(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m := NewServingModel(NewRecorder(), ServingModelConfig{PerItem: time.Millisecond})
	hold := m.Hold()
	assert.Same(t, hold, m.Hold(), "holding a held model returns the same hold")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 2)
	for i := range 2 {
		go func() {
			_, err := m.PredictBatch(ctx, []ServingInput{servingInput(i)})
			errc <- err
		}()
	}
	require.NoError(t, m.Await(ctx, "two held calls", func(c []ServingCall) bool { return RunningCalls(c) == 2 }))

	require.NoError(t, hold.Step(ctx))
	require.NoError(t, <-errc, "the stepped call finishes")
	assert.Equal(t, 1, RunningCalls(m.Calls()), "the other call is still held")

	hold.Release()
	hold.Release() // idempotent
	require.NoError(t, <-errc)
	assert.Error(t, hold.Step(ctx), "a released hold has nothing to step")

	_, err := m.PredictBatch(ctx, servingBatch(1))
	assert.NoError(t, err, "calls after the release run without waiting")
	assert.Equal(t, 3, m.Served())
}

func TestServingHeldCallHonoursContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m := NewServingModel(NewRecorder(), ServingModelConfig{})
	hold := m.Hold()
	defer hold.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.PredictBatch(ctx, servingBatch(1))
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a held call ends with its context")
	assert.Equal(t, 0, m.Served())
}

func TestServingAwaitStopsWithContext(t *testing.T) {
	m := NewServingModel(NewRecorder(), ServingModelConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := m.Await(ctx, "a call that never comes", func(c []ServingCall) bool { return len(c) > 0 })
	assert.True(t, errors.Is(err, context.Canceled))
	assert.ErrorContains(t, err, "a call that never comes")
}

func TestServingPredictIsAFunctionOfTheInput(t *testing.T) {
	a := ServingPredict(ServingInput{ID: "a", Features: []float64{1, 2}})
	b := ServingPredict(ServingInput{ID: "a", Features: []float64{1, 2}})
	assert.Equal(t, a, b)
	assert.Equal(t, "positive", a.Label) // z = 1 + 2/2 = 2
	assert.InDelta(t, 0.8808, a.Score, 1e-4)
	neg := ServingPredict(ServingInput{ID: "n", Features: []float64{-3}})
	assert.Equal(t, "negative", neg.Label)
	assert.NotEqual(t, a.Score, ServingPredict(ServingInput{ID: "a", Features: []float64{2, 1}}).Score, "feature order matters")
}

func TestNewServingModelPanicsOnNegativeSettings(t *testing.T) {
	assert.Panics(t, func() { NewServingModel(NewRecorder(), ServingModelConfig{Overhead: -time.Millisecond}) })
	assert.Panics(t, func() { NewServingModel(NewRecorder(), ServingModelConfig{Capacity: -1}) })
}
