package batchinference

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// concurrencyProperties are the properties Sequential must fail: the point
// of the exercise.
var concurrencyProperties = []string{"parallel-per-model", "parallel-across-models"}

func TestSolutionPassesEveryProperty(t *testing.T) { suitetest.SolutionPasses(t, Suite(), solution) }

func TestSequentialFailsConcurrencyProperties(t *testing.T) {
	suitetest.SequentialFails(t, Suite(), Sequential, concurrencyProperties...)
}

func TestSuiteRun(t *testing.T) {
	Suite().Run(t, solution)
}

// unbounded starts one goroutine per request: fast, and refused by the
// endpoints with 429s.
func unbounded(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	g, gctx := errgroup.WithContext(ctx)
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		for i, in := range inputs {
			g.Go(func() error { //asyncvet:ignore unboundedgo deliberately unbounded: the suite must catch it
				p, err := model.Predict(gctx, in)
				if err != nil {
					return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
				}
				results[m][i] = p
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// globalLimit shares one limit of 4 between all endpoints: too many for the
// embedder (limit 3).
func globalLimit(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		for i, in := range inputs {
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
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// modelByModel is concurrent within a model but runs the models in turn.
func modelByModel(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		if err := predictAll(ctx, model, inputs, results[m]); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// appendOrder collects predictions in completion order.
func appendOrder(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(len(models))
	for m, model := range models {
		g.Go(func() error {
			inner, ictx := errgroup.WithContext(gctx)
			inner.SetLimit(model.Limit())
			for _, in := range inputs {
				inner.Go(func() error {
					p, err := model.Predict(ictx, in)
					if err != nil {
						return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
					}
					mu.Lock()
					results[m] = append(results[m], p)
					mu.Unlock()
					return nil
				})
			}
			return inner.Wait()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// noCancel bounds each endpoint but uses groups without a context: a
// failure is returned only after the whole batch ran.
func noCancel(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	var outer errgroup.Group
	outer.SetLimit(len(models))
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		outer.Go(func() error {
			var inner errgroup.Group
			inner.SetLimit(model.Limit())
			for i, in := range inputs {
				inner.Go(func() error {
					p, err := model.Predict(ctx, in)
					if err != nil {
						return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
					}
					results[m][i] = p
					return nil
				})
			}
			return inner.Wait()
		})
	}
	if err := outer.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// ignoresCtx is the solution with the caller's context swapped for a fresh
// one: cancellation never reaches the requests.
func ignoresCtx(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	res, err := solution(context.WithoutCancel(ctx), models, inputs)
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// bareError drops the wrapping: the caller cannot tell what failed.
func bareError(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	res, err := solution(ctx, models, inputs)
	for err != nil {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return res, err
}

// earlyReturn returns at the first error without waiting for the other
// goroutines, which then block sending their results until the caller's
// context ends.
func earlyReturn(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	type item struct {
		m, i int
		p    Prediction
		err  error
	}
	ch := make(chan item)
	for m, model := range models {
		go func() {
			for i, in := range inputs {
				p, err := model.Predict(ctx, in)
				select {
				case ch <- item{m, i, p, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	results := make(Results, len(models))
	for m := range results {
		results[m] = make([]Prediction, len(inputs))
	}
	for range len(models) * len(inputs) {
		it := <-ch
		if it.err != nil {
			return nil, fmt.Errorf("model %s on input %s: %w", models[it.m].Name(), inputs[it.i].ID, it.err)
		}
		results[it.m][it.i] = it.p
	}
	return results, nil
}

func TestPropertiesHaveTeeth(t *testing.T) {
	cases := []struct {
		impl     Impl
		name     string
		property string
	}{
		{unbounded, "one goroutine per request", "per-endpoint-limit"},
		{globalLimit, "one limit shared by all endpoints", "per-endpoint-limit"},
		{modelByModel, "models one after another", "parallel-across-models"},
		{appendOrder, "results in completion order", "results-in-order"},
		{noCancel, "errgroup without context", "first-error-cancels"},
		{bareError, "error not wrapped with model and input", "first-error-cancels"},
		{ignoresCtx, "caller's context ignored", "cancellation"},
		{earlyReturn, "returns before its goroutines end", "no-leaked-goroutines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := suitetest.CheckOne(t, Suite(), c.property, c.impl)
			assert.False(t, r.Pass, "%s should fail %s", c.name, c.property)
		})
	}
}

func TestModelByModelStillParallelPerModel(t *testing.T) {
	// The near miss: concurrent within each model passes parallel-per-model,
	// and fails only the across-models property.
	assert.True(t, suitetest.CheckOne(t, Suite(), "parallel-per-model", modelByModel).Pass)
	assert.True(t, suitetest.CheckOne(t, Suite(), "per-endpoint-limit", modelByModel).Pass)
}

func TestWorkloadChecksResults(t *testing.T) {
	require.NoError(t, Workload(context.Background(), solution))
	err := Workload(context.Background(), appendOrder)
	assert.ErrorContains(t, err, "check batch")
}

func TestIdealSpeedup(t *testing.T) {
	assert.InDelta(t, 11.2, IdealSpeedup, 1e-9)
}
