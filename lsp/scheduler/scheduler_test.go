package scheduler_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/lsp/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const never = time.Hour // a delay no test waits for

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestLaterScheduleReplacesAPendingJob(t *testing.T) {
	s := scheduler.New(2)
	var ran []int
	var mu sync.Mutex
	done := make(chan struct{})
	for i := range 10 {
		s.Schedule("pkg", never, func(context.Context) {
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
		})
	}
	s.Schedule("pkg", 0, func(context.Context) {
		mu.Lock()
		ran = append(ran, 10)
		mu.Unlock()
		close(done)
	})
	wait(t, done, "the last job")
	s.Close()
	assert.Equal(t, []int{10}, ran, "only the last of a burst runs")
}

func TestNewerJobCancelsTheRunningOneAndRunsAfterIt(t *testing.T) {
	s := scheduler.New(2)
	defer s.Close()
	started := make(chan struct{})
	var inFlight, maxInFlight atomic.Int32
	track := func() func() {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		return func() { inFlight.Add(-1) }
	}
	var firstErr error
	s.Schedule("pkg", 0, func(ctx context.Context) {
		defer track()()
		close(started)
		<-ctx.Done() // a long analysis, stopped only by cancellation
		firstErr = ctx.Err()
	})
	wait(t, started, "the first job")
	second := make(chan struct{})
	s.Schedule("pkg", 0, func(ctx context.Context) {
		defer track()()
		close(second)
	})
	wait(t, second, "the second job")
	assert.ErrorIs(t, firstErr, context.Canceled, "the stale run was cancelled before the new one ran")
	assert.Equal(t, int32(1), maxInFlight.Load(), "runs of one key never overlap")
}

func TestKeysRunIndependentlyWithinTheLimit(t *testing.T) {
	s := scheduler.New(2)
	defer s.Close()
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	both := make(chan struct{})
	var started atomic.Int32
	for _, key := range []string{"a", "b"} {
		s.Schedule(key, 0, func(context.Context) {
			defer wg.Done()
			if started.Add(1) == 2 {
				close(both)
			}
			<-release
		})
	}
	wait(t, both, "two keys running at once")
	close(release)
	wg.Wait()
}

func TestLimitBoundsRunsAcrossKeys(t *testing.T) {
	s := scheduler.New(1)
	defer s.Close()
	var inFlight, maxInFlight atomic.Int32
	var wg sync.WaitGroup
	for _, key := range []string{"a", "b", "c"} {
		wg.Add(1)
		s.Schedule(key, 0, func(context.Context) {
			defer wg.Done()
			n := inFlight.Add(1)
			if n > maxInFlight.Load() {
				maxInFlight.Store(n)
			}
			time.Sleep(time.Millisecond) // work, not synchronisation
			inFlight.Add(-1)
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), maxInFlight.Load())
}

func TestCancelDropsPendingAndStopsRunning(t *testing.T) {
	s := scheduler.New(2)
	ran := atomic.Bool{}
	s.Schedule("a", never, func(context.Context) { ran.Store(true) })
	s.Cancel("a")

	started := make(chan struct{})
	stopped := make(chan struct{})
	s.Schedule("b", 0, func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		close(stopped)
	})
	wait(t, started, "job b")
	s.Cancel("b")
	wait(t, stopped, "job b to see its cancellation")
	s.Cancel("unknown")
	s.Close()
	assert.False(t, ran.Load())
}

func TestCloseCancelsAndWaits(t *testing.T) {
	s := scheduler.New(2)
	started := make(chan struct{})
	var sawCancel atomic.Bool
	s.Schedule("a", 0, func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		sawCancel.Store(true)
	})
	s.Schedule("b", never, func(context.Context) { t.Error("a pending job ran after Close") })
	wait(t, started, "job a")
	s.Close()
	require.True(t, sawCancel.Load(), "Close returns after the running job has")
	s.Schedule("c", 0, func(context.Context) { t.Error("a job scheduled after Close ran") })
}
