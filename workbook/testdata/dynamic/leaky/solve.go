// A broken batch inference: one goroutine per request sends its result on
// an unbuffered channel, and Solve stops receiving at the first error, so
// the remaining senders block forever. The marker names the go statement.

package practice

import (
	"context"

	"github.com/asyncbook/asyncbook/exercises/batchinference"
)

type item struct {
	m, i int
	p    batchinference.Prediction
	err  error
}

func Solve(ctx context.Context, models []*batchinference.Model, inputs []batchinference.Input) (batchinference.Results, error) {
	results := make(batchinference.Results, len(models))
	found := make(chan item)
	for m, model := range models {
		results[m] = make([]batchinference.Prediction, len(inputs))
		for i, in := range inputs {
			go func() { // LEAK go
				p, err := model.Predict(ctx, in)
				found <- item{m, i, p, err} // LEAK send
			}()
		}
	}
	for n := 0; n < len(models)*len(inputs); n++ {
		it := <-found
		if it.err != nil {
			return nil, it.err
		}
		results[it.m][it.i] = it.p
	}
	return results, nil
}
