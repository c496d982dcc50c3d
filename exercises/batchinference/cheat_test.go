package batchinference

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sync/errgroup"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// Cheats: Solves that reach for the exported surface of the simulated world
// (docs/reports/world-audit.md) instead of doing the work. Each must fail.

// expectOnly answers every input with Model.Expect, which computes the
// prediction a request would return, and makes no request at all.
func expectOnly(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results := make(Results, len(models))
	for m, model := range models {
		for _, in := range inputs {
			results[m] = append(results[m], model.Expect(in))
		}
	}
	return results, nil
}

// sampled sends only the first two inputs to each endpoint, all at once
// (so the parallelism properties see requests in flight on every endpoint
// together), and fills in the rest with Model.Expect.
func sampled(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results, err := expectOnly(ctx, models, inputs)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	for m, model := range models {
		for i, in := range inputs[:min(2, len(inputs))] {
			g.Go(func() error {
				p, err := model.Predict(gctx, in)
				if err != nil {
					return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
				}
				results[m][i] = p
				return nil
			})
		}
	}
	return results, g.Wait()
}

func TestCheatExpectInsteadOfPredict(t *testing.T) {
	for name, impl := range map[string]Impl{"expect only": expectOnly, "two requests, the rest expected": sampled} {
		t.Run(name, func(t *testing.T) {
			r := suitetest.CheckOne(t, Suite(), "results-in-order", impl)
			assert.False(t, r.Pass, "results-in-order passed: %s", r.Observed)
			assert.Contains(t, r.Observed, "no successful request")
			assert.Error(t, Workload(context.Background(), impl), "the speedup's workload took predictions nobody requested")
		})
	}
}

// unheld is noCancel (the requests in flight are never cancelled, so
// first-error-cancels fails it) that first tries to release the holds
// with which the property freezes the batch: the in-flight requests would
// then end by themselves and the missing cancellation go unseen. The
// model's controls need its recorder, which a Solve never gets.
func unheld(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	let := make(chan struct{})
	close(let)
	for _, m := range models {
		m.Control(simworld.NewRecorder()).HoldUntil(let)
	}
	return noCancel(ctx, models, inputs)
}

func TestCheatReleaseTheHolds(t *testing.T) {
	r := suitetest.CheckOne(t, Suite(), "first-error-cancels", unheld)
	assert.False(t, r.Pass, "first-error-cancels passed: %s", r.Observed)
	assert.Contains(t, r.Observed, "panicked")
}
