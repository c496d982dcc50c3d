// Retries with a backoff that stops when ctx is cancelled.
package c

import (
	"context"
	"errors"
	"time"
)

var errBusy = errors.New("busy")

func CallWithRetry(ctx context.Context, call func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	for attempt := 0; attempt < 5; attempt++ {
		if err := call(ctx); err == nil {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		backoff *= 2
	}
	return errBusy
}
