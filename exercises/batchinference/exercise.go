// Package batchinference is the workbook's exercise "batch-inference".
//
// Batch inference: run several models (a topic classifier, an embedder, a
// toxicity filter) over the same batch of inputs, as fast as the endpoints
// allow.
//
// Sequential below calls one model at a time, one input at a time: correct,
// and as slow as the sum of every request's latency. Make it concurrent:
//   - results in input order, for every model: Results[m][i] is models[m] on
//     inputs[i];
//   - at most models[m].Limit() requests in flight on each endpoint (one more
//     is refused with a 429, ErrOverloaded);
//   - keep every endpoint busy, all models at once;
//   - the first error cancels the rest: no new requests after a failure, and
//     the error says which model and input failed;
//   - honour ctx, and leave no request or goroutine running when you return.
package batchinference

import (
	"context"
	"fmt"
)

// Sequential runs the models one after another, each over the inputs one
// after another.
func Sequential(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		for i, in := range inputs {
			p, err := model.Predict(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
			}
			results[m][i] = p
		}
	}
	return results, nil
}
