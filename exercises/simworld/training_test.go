package simworld

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func newTestCluster(t *testing.T, cfg TrainingConfig) (*TrainingCluster, *Recorder) {
	t.Helper()
	if cfg.Dim == 0 {
		cfg.Dim, cfg.ExamplesPerShard, cfg.Seed = 4, 8, 7
	}
	rec := NewRecorder()
	c, err := NewTrainingCluster(rec, cfg)
	require.NoError(t, err)
	return c, rec
}

func TestWorkerComputesTheShardGradientOfLoadedShards(t *testing.T) {
	c, rec := newTestCluster(t, TrainingConfig{Workers: 2, ComputeLatency: time.Millisecond, LoadLatency: time.Millisecond})
	w := c.Workers()[1]
	params := []float64{0.5, -1, 0, 2}
	ctx := context.Background()

	_, err := w.Gradient(ctx, 1, 0, params)
	assert.ErrorIs(t, err, ErrShardNotLoaded)

	require.NoError(t, w.Load(ctx, 0))
	g, err := w.Gradient(ctx, 1, 0, params)
	require.NoError(t, err)
	assert.Equal(t, c.ShardGradient(0, params), g)
	assert.NotEqual(t, c.ShardGradient(1, params), g, "shards hold different data")
	assert.Equal(t, []float64{0.5, -1, 0, 2}, params, "params are not modified")

	var labels []string
	for _, s := range rec.SpansOf("worker/1") {
		labels = append(labels, s.Label)
	}
	assert.Equal(t, []string{"step 1 shard 0", "load shard 0", "step 1 shard 0"}, labels)

	_, err = w.Gradient(ctx, 2, 0, params[:2])
	assert.Error(t, err, "wrong number of parameters")
}

func TestGradientDescentOnTheShardsReducesTheLoss(t *testing.T) {
	c, _ := newTestCluster(t, TrainingConfig{Workers: 3, Dim: 6, ExamplesPerShard: 32, Seed: 1})
	params := make([]float64, c.Dim())
	before := c.Loss(params)
	for range 50 {
		next := make([]float64, len(params))
		for i := range params {
			sum := 0.0
			for s := range c.Shards() {
				sum += c.ShardGradient(s, params)[i]
			}
			next[i] = params[i] - 0.1*sum/float64(c.Shards())
		}
		params = next
	}
	assert.Less(t, c.Loss(params), before/10, "the regression is learnable")
}

func TestCrashedWorkerFailsFromItsCrashStep(t *testing.T) {
	c, rec := newTestCluster(t, TrainingConfig{Workers: 2, Crashes: map[int]int{0: 2}})
	w := c.Workers()[0]
	ctx := context.Background()
	require.NoError(t, w.Load(ctx, 0))
	params := make([]float64, c.Dim())
	_, err := w.Gradient(ctx, 1, 0, params)
	require.NoError(t, err)
	_, err = w.Gradient(ctx, 2, 0, params)
	assert.ErrorIs(t, err, ErrWorkerCrashed)
	assert.ErrorIs(t, w.Load(ctx, 1), ErrWorkerCrashed, "a crashed worker loads nothing")
	_, err = c.Workers()[1].Gradient(ctx, 2, 1, params)
	assert.ErrorIs(t, err, ErrShardNotLoaded, "other workers are unaffected")
	spans := rec.SpansOf("worker/0")
	assert.NotEmpty(t, spans[len(spans)-1].Err)
}

func TestStragglerHonoursContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, rec := newTestCluster(t, TrainingConfig{Workers: 2, Stragglers: map[int]time.Duration{1: time.Hour}})
	w := c.Workers()[1]
	require.NoError(t, w.Load(context.Background(), 1))
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := w.Gradient(ctx, 1, 1, make([]float64, c.Dim()))
		got <- err
	}()
	cancel()
	assert.ErrorIs(t, <-got, context.Canceled)
	assert.Equal(t, 0, rec.InFlight("worker/1"))

	_, err := w.Gradient(ctx, 2, 1, make([]float64, c.Dim()))
	assert.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, len(rec.SpansOf("worker/1")), 2, "a call with a done ctx is not recorded")
}

func TestAwaitGradients(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, _ := newTestCluster(t, TrainingConfig{Workers: 1})
	w := c.Workers()[0]
	require.NoError(t, w.Load(context.Background(), 0))
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- c.AwaitGradients(ctx, 2)
	}()
	for step := 1; step <= 2; step++ {
		_, err := w.Gradient(context.Background(), step, 0, make([]float64, c.Dim()))
		require.NoError(t, err)
	}
	require.NoError(t, <-done)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.AwaitGradients(ctx, 3), context.Canceled)
}

func TestCheckpointStoreSavesCopiesAndFailsTheNthWrite(t *testing.T) {
	c, rec := newTestCluster(t, TrainingConfig{Workers: 1, FailCheckpoint: 2, CheckpointLatency: time.Millisecond})
	s := c.Store()
	ctx := context.Background()
	params := []float64{1, 2, 3, 4}
	require.NoError(t, s.Save(ctx, 5, params))
	params[0] = 99 // the caller may change its slice once Save returned
	assert.ErrorIs(t, s.Save(ctx, 10, params), ErrCheckpointFailed)
	require.NoError(t, s.Save(ctx, 15, params))

	saved := s.Saved()
	require.Len(t, saved, 2)
	assert.Equal(t, Checkpoint{Step: 5, Params: []float64{1, 2, 3, 4}}, saved[0])
	assert.Equal(t, 15, saved[1].Step)
	assert.Equal(t, []int{10}, s.Failed())
	assert.Len(t, rec.SpansOf("checkpoint"), 3)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, s.Save(cancelled, 20, params), context.Canceled)
	assert.Len(t, s.Saved(), 2)
}

func TestNewTrainingClusterRejectsBadConfig(t *testing.T) {
	_, err := NewTrainingCluster(NewRecorder(), TrainingConfig{Workers: 0, Dim: 1, ExamplesPerShard: 1})
	assert.Error(t, err)
	_, err = NewTrainingCluster(NewRecorder(), TrainingConfig{Workers: 1, Dim: 0, ExamplesPerShard: 1})
	assert.Error(t, err)
}

func TestLoadRejectsUnknownShard(t *testing.T) {
	c, _ := newTestCluster(t, TrainingConfig{Workers: 2})
	assert.Error(t, c.Workers()[0].Load(context.Background(), 2))
}
