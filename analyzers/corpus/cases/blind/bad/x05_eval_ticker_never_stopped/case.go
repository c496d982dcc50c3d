// Evaluates every few minutes during training; the ticker is never stopped when training ends.
// Expect: timerstop
package c

import (
	"context"
	"time"
)

type Trainer interface {
	Step(ctx context.Context) (done bool, err error)
	Evaluate()
}

func Train(ctx context.Context, t Trainer) error {
	eval := time.NewTicker(5 * time.Minute) // BUG
	for {
		select {
		case <-eval.C:
			t.Evaluate()
		default:
		}
		done, err := t.Step(ctx)
		if err != nil || done {
			return err
		}
	}
}
