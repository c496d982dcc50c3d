// Polls a training job's status every few seconds until it ends or ctx is cancelled; the ticker is stopped.
package c

import (
	"context"
	"time"
)

func PollJob(ctx context.Context, status func() (bool, error)) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			done, err := status()
			if err != nil || done {
				return err
			}
		}
	}
}
