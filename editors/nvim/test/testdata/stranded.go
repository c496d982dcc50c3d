package practice

import (
	"context"
	"errors"
	"time"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

var errTooSlow = errors.New("model too slow")

type outcome struct {
	p   batchinference.Prediction
	err error
}

// predictWithin gives up on a slow model after d. When it does, the model's
// goroutine is left sending on res, with no one to receive.
func predictWithin(ctx context.Context, m *batchinference.Model, in batchinference.Input, d time.Duration) (batchinference.Prediction, error) {
	res := make(chan outcome)
	go func() {
		p, err := m.Predict(ctx, in)
		res <- outcome{p, err}
	}()
	select {
	case o := <-res:
		return o.p, o.err
	case <-time.After(d):
		return batchinference.Prediction{}, errTooSlow
	}
}

// pace waits for n ticks of d; its ticker is never stopped.
func pace(ctx context.Context, n int, d time.Duration) error {
	t := time.NewTicker(d)
	for i := 0; i < n; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
