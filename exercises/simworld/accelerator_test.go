package simworld

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestAcceleratorPoolRefusesBeyondSize(t *testing.T) {
	p := NewAcceleratorPool(NewRecorder(), 2)
	ctx := context.Background()
	a, err := p.Acquire(ctx)
	require.NoError(t, err)
	b, err := p.Acquire(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, a.Name(), b.Name())

	_, err = p.Acquire(ctx)
	assert.ErrorIs(t, err, ErrNoAccelerator)
	assert.Equal(t, 1, p.Rejected())
	assert.Equal(t, 2, p.InUse())

	a.Release()
	c, err := p.Acquire(ctx)
	require.NoError(t, err)
	assert.Equal(t, a.Name(), c.Name(), "the freed device is handed out again")
	c.Release()
	b.Release()

	assert.Equal(t, 0, p.InUse())
	assert.Equal(t, 2, p.MaxInUse())
	assert.Equal(t, 3, p.Acquired())
	assert.Equal(t, 3, p.Released())
	assert.Equal(t, 0, p.Misuses())
}

func TestAcceleratorLeakIsVisible(t *testing.T) {
	p := NewAcceleratorPool(NewRecorder(), 3)
	_, err := p.Acquire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, p.InUse())
	assert.NotEqual(t, p.Acquired(), p.Released())
}

func TestAcceleratorMisuseIsCounted(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := NewAcceleratorPool(NewRecorder(), 1)
	ctx := context.Background()
	a, err := p.Acquire(ctx)
	require.NoError(t, err)
	a.Release()
	a.Release()
	assert.Equal(t, 1, p.Misuses(), "double release")
	err = a.Run(ctx, "after release", time.Millisecond)
	assert.ErrorIs(t, err, ErrNotHeld)
	assert.Equal(t, 2, p.Misuses())

	a, err = p.Acquire(ctx)
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, "long", time.Minute) }()
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	require.NoError(t, p.AwaitRuns(wait, 1))
	err = a.Run(ctx, "second job", time.Millisecond)
	assert.ErrorIs(t, err, ErrDeviceBusy)
	assert.Equal(t, 3, p.Misuses())
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	a.Release()
	assert.Equal(t, 3, p.Misuses(), "releasing after the job ended is fine")
}

func TestAcceleratorRunRecordsAndHonoursContext(t *testing.T) {
	rec := NewRecorder()
	p := NewAcceleratorPool(rec, 2)
	ctx := context.Background()
	_, err := p.Acquire(ctx)
	require.NoError(t, err)
	b, err := p.Acquire(ctx)
	require.NoError(t, err)
	defer b.Release()

	require.NoError(t, b.Run(ctx, "trial-1 epoch 1", 2*time.Millisecond))
	spans := rec.SpansOf("accelerator/gpu1")
	require.Len(t, spans, 1)
	assert.Equal(t, "trial-1 epoch 1", spans[0].Label)
	assert.GreaterOrEqual(t, spans[0].End-spans[0].Start, 2*time.Millisecond)

	done, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, b.Run(done, "never", time.Millisecond), context.Canceled)
	_, err = p.Acquire(done)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, rec.Spans(), 1, "nothing starts with a done context")
	assert.Equal(t, 1, p.Runs())
	assert.ErrorIs(t, p.AwaitRuns(done, 2), context.Canceled)
}

func TestNewAcceleratorPoolRejectsBadSize(t *testing.T) {
	assert.Panics(t, func() { NewAcceleratorPool(NewRecorder(), 0) })
}
