// Retries a model endpoint with a sleep that ignores cancellation.
// Expect: ctxcancel
package c

import (
	"context"
	"errors"
	"time"
)

var errBusy = errors.New("busy")

func call(ctx context.Context) error { return errBusy }

func CallWithRetry(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for attempt := 0; attempt < 5; attempt++ {
		if err := call(ctx); err == nil {
			return nil
		}
		time.Sleep(backoff) // BUG
		backoff *= 2
	}
	return errBusy
}
