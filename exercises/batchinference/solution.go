package batchinference

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// solution runs all models at once and, for each model, up to Limit
// requests at once. The shape is two levels of errgroup:
//
//   - an outer group with one goroutine per model (a fixed fan-out: its
//     size is the number of models, not the batch). Its context is
//     cancelled by the first error from any model, which stops the others.
//   - per model, an inner group with SetLimit(model.Limit()): the endpoint's
//     own capacity, not one global limit shared by endpoints of different
//     sizes. Go blocks the model's dispatch loop while Limit requests are
//     in flight, so the batch is never fanned out unboundedly.
//
// Every goroutine writes only its own slot results[m][i], so the results
// are in input order with no lock and no sorting, and g.Wait (which every
// goroutine has returned before) makes the writes visible to the caller.
func solution(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	g, gctx := errgroup.WithContext(ctx)
	for m, model := range models {
		out := make([]Prediction, len(inputs))
		results[m] = out
		g.Go(func() error { return predictAll(gctx, model, inputs, out) })
	}
	// Wait returns only when every model's goroutine, and so every request,
	// has ended: nothing is left running behind the caller's back.
	if err := g.Wait(); err != nil {
		// Partial results would be misaligned holes; report the error alone.
		return nil, err
	}
	return results, nil
}

// predictAll runs model over inputs with at most model.Limit() requests in
// flight and writes the prediction for inputs[i] to out[i]. It returns the
// first error, after the requests already in flight have ended, or ctx's
// error if ctx ended before every input was served.
func predictAll(ctx context.Context, model *Model, inputs []Input, out []Prediction) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(model.Limit())
	for i, in := range inputs {
		// Stop dispatching as soon as anything failed (gctx is cancelled by
		// this model's first error, and by the outer group's through ctx) or
		// the caller gave up: no new request starts after that.
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			p, err := model.Predict(gctx, in)
			if err != nil {
				return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
			}
			out[i] = p
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// The loop may have stopped with no request failing: ctx ended (the
	// caller gave up, or another model failed) between two dispatches, or
	// before the first. Then some of out are holes: say why, never nil.
	return ctx.Err()
}
