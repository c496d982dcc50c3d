// A broken batch inference: each model's workers share an unsynchronised
// index of the next input to predict. The markers name the racing lines.

package practice

import (
	"context"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	results := make(batchinference.Results, len(models))
	errs := make([]error, len(models))
	var wg sync.WaitGroup
	for m, model := range models {
		out := make([]batchinference.Prediction, len(inputs))
		results[m] = out
		next := 0 // the next input, shared by the model's workers without a lock
		for w := 0; w < model.Limit(); w++ {
			wg.Add(1)
			go func() { // RACE go
				defer wg.Done()
				for {
					i := next // RACE read
					if i >= len(inputs) {
						return
					}
					next = i + 1 // RACE write
					p, err := model.Predict(ctx, inputs[i])
					if err != nil {
						errs[m] = err
						return
					}
					out[i] = p
				}
			}()
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}
