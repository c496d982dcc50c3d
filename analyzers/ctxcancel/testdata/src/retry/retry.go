// Package retry calls a model endpoint with backoff between attempts, and
// polls a feature store: sleeps that must honour ctx.
package retry

import (
	"context"
	"errors"
	"net/http"
	"time"
)

type Features map[string]float32

type Prediction struct{ Score float32 }

type Client struct{ URL string }

func (c *Client) Predict(ctx context.Context, f Features) (Prediction, error) {
	return Prediction{}, errors.New("unavailable")
}

func backoff(attempt int) time.Duration { return time.Duration(1<<attempt) * 100 * time.Millisecond }

// predictWithRetry sleeps between attempts even after the caller gave up.
func predictWithRetry(ctx context.Context, c *Client, f Features) (Prediction, error) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var p Prediction
		if p, err = c.Predict(ctx, f); err == nil {
			return p, nil
		}
		time.Sleep(backoff(attempt)) // want `time\.Sleep ignores ctx: a cancelled request still waits backoff\(attempt\); use a timer and select on ctx\.Done\(\)`
	}
	return Prediction{}, err
}

// waitForFeatures polls with a constant interval; results are (*T, error).
func waitForFeatures(ctx context.Context, ready func() bool, f Features) (*Features, error) {
	for !ready() {
		time.Sleep(2 * time.Second) // want `time\.Sleep ignores ctx: a cancelled request still waits 2s; use a timer and select on ctx\.Done\(\)`
	}
	return &f, nil
}

// warmup has no results: the fix returns.
func warmup(ctx context.Context, c *Client) {
	for i := 0; i < 3; i++ {
		_, _ = c.Predict(ctx, nil)
		time.Sleep(500 * time.Millisecond) // want `waits 500ms`
	}
}

// handler sees the request's ctx through a variable.
func handler(w http.ResponseWriter, r *http.Request) {
	reqCtx := r.Context()
	time.Sleep(time.Second) // want `time\.Sleep ignores reqCtx: a cancelled request still waits 1s; use a timer and select on reqCtx\.Done\(\)`
	_ = reqCtx
}

// poller's goroutine captures ctx and checks it, but then sleeps a minute
// regardless. The fix returns from the closure.
func poller(ctx context.Context, refresh func()) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			default:
			}
			refresh()
			time.Sleep(time.Minute) // want `waits 1m0s`
		}
	}()
}

// scored returns (float64, bool): not error-last, so no fix.
func scored(ctx context.Context, c *Client) (float64, bool) {
	time.Sleep(time.Second) // want `time\.Sleep ignores ctx`
	return 0, false
}

// deferred sleeps in a defer: no statement to replace, so no fix.
func deferred(ctx context.Context) {
	defer time.Sleep(10 * time.Millisecond) // want `waits 10ms`
}

// ---- silent: correct versions and near misses ----

// predictOK waits on a timer or ctx.Done().
func predictOK(ctx context.Context, c *Client, f Features) (Prediction, error) {
	for attempt := 0; ; attempt++ {
		p, err := c.Predict(ctx, f)
		if err == nil || attempt == 4 {
			return p, err
		}
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return Prediction{}, ctx.Err()
		case <-t.C:
		}
	}
}

// pause has no ctx in scope.
func pause(d time.Duration) { time.Sleep(d) }

// rootSleep's ctx is Background: nothing can cancel it.
func rootSleep(c *Client) {
	ctx := context.Background()
	_, _ = c.Predict(ctx, nil)
	time.Sleep(time.Millisecond)
}

// outerSleep sleeps before its ctx exists.
func outerSleep(c *Client) {
	time.Sleep(time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _ = c.Predict(ctx, nil)
}

// plainHandler has no ctx variable: the request is not a ctx for ctxcancel.
func plainHandler(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Millisecond)
}

// notTime calls a method named Sleep that is not time.Sleep.
type clock struct{}

func (clock) Sleep(d time.Duration) {}

func notTime(ctx context.Context, c clock) { c.Sleep(time.Second) }

// postSleep sleeps in a for post statement: reported, but a select cannot go
// there, so no fix.
func postSleep(ctx context.Context, poll func() bool) {
	for ; !poll(); time.Sleep(time.Second) { // want `time\.Sleep ignores ctx`
	}
}

// smoke owns its ctx: it decides when to cancel, so waiting before the
// cancel is not ignoring anyone.
func smoke(c *Client) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = c.Predict(ctx, nil) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
}

// acceptLoop's ctx only carries values: it is never cancelled.
func acceptLoop(accept func() error) error {
	base := context.Background()
	ctx := context.WithValue(base, serverKey{}, "model-server")
	for {
		if err := accept(); err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		_ = ctx
	}
}

type serverKey struct{}

// ownedInGoroutine: for the goroutine it starts, the function's own ctx is
// the caller's cancellation.
func ownedInGoroutine(c *Client) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			_, _ = c.Predict(ctx, nil)
			time.Sleep(time.Second) // want `time\.Sleep ignores ctx`
		}
	}()
	return cancel
}
