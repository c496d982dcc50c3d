package practice

import (
	"context"
	"fmt"
	"sync"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

// Solve runs every model on every input concurrently.
func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	results := make(batchinference.Results, len(models))
	errs := make(chan error)
	var wg sync.WaitGroup
	for m, model := range models {
		results[m] = make([]batchinference.Prediction, len(inputs))
		for i, in := range inputs {
			go func() {
				wg.Add(1)
				defer wg.Done()
				p, err := model.Predict(context.Background(), in)
				if err != nil {
					errs <- fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
					return
				}
				results[m][i] = p
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case err := <-errs:
		return nil, err
	case <-done:
		return results, nil
	}
}
