// Polls a training job's status with time.Sleep while a ctx is in scope.
// Expect: ctxcancel
package c

import (
	"context"
	"time"
)

type Jobs interface {
	Status(ctx context.Context, id string) (string, error)
}

func WaitDone(ctx context.Context, jobs Jobs, id string) error {
	for {
		s, err := jobs.Status(ctx, id)
		if err != nil {
			return err
		}
		if s == "done" {
			return nil
		}
		time.Sleep(5 * time.Second) // BUG
	}
}
