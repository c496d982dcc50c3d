package batchinference

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// The broken versions below mark the line each failure must point at with
// a //where: comment.

func whereUnbounded(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	g, gctx := errgroup.WithContext(ctx)
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		for i, in := range inputs {
			g.Go(func() error {
				p, err := model.Predict(gctx, in) //where:unbounded
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

// whereDeaf is Sequential sending every request with a ctx that is never
// cancelled.
func whereDeaf(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		for i, in := range inputs {
			p, err := model.Predict(context.WithoutCancel(ctx), in) //where:deaf
			if err != nil {
				return nil, fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
			}
			results[m][i] = p
		}
	}
	return results, ctx.Err()
}

// whereIndependent runs each model on its own; a failure stops only its
// model.
func whereIndependent(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	results := make(Results, len(models))
	var g errgroup.Group
	for m, model := range models {
		results[m] = make([]Prediction, len(inputs))
		g.Go(func() error {
			for i, in := range inputs {
				p, err := model.Predict(ctx, in) //where:independent
				if err != nil {
					return fmt.Errorf("model %s on input %s: %w", model.Name(), in.ID, err)
				}
				results[m][i] = p
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// whereEarlyReturn returns at the first error; the other goroutines block
// sending until the property's ctx ends.
func whereEarlyReturn(ctx context.Context, models []*Model, inputs []Input) (Results, error) {
	type item struct {
		m, i int
		p    Prediction
		err  error
	}
	ch := make(chan item)
	for m, model := range models {
		go func() { //where:go
			for i, in := range inputs {
				p, err := model.Predict(ctx, in) //where:leakpredict
				select {                         //where:send
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

// assertAt checks that r failed and points only at line of file, with notes.
func assertAt(t *testing.T, r suite.Result, file string, line int) {
	t.Helper()
	require.False(t, r.Pass, "%s should fail", r.Property)
	require.NotEmpty(t, r.Where, "%s: the suite knows the call responsible", r.Property)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File, "%s: %+v", r.Property, w)
		assert.Equal(t, line, w.Line, "%s: %+v", r.Property, w)
		assert.NotEmpty(t, w.Note, "%s: %+v", r.Property, w)
	}
}

func TestWherePointsAtTheCallResponsible(t *testing.T) {
	file, unbounded := suitetest.MarkedLine(t, "unbounded")
	_, deaf := suitetest.MarkedLine(t, "deaf")
	_, independent := suitetest.MarkedLine(t, "independent")

	r := suitetest.CheckOne(t, Suite(), "per-endpoint-limit", whereUnbounded)
	assertAt(t, r, file, unbounded)
	assert.Regexp(t, `^\d+(st|nd|rd|th) request in flight on \w+ \(limit \d\)`, r.Where[0].Note)

	for _, p := range []string{"cancelled-on-entry", "cancelled-between-dispatches"} {
		assertAt(t, suitetest.CheckOne(t, Suite(), p, whereDeaf), file, deaf)
	}
	r = suitetest.CheckOne(t, Suite(), "first-error-cancels", whereIndependent)
	assertAt(t, r, file, independent)
	assert.Contains(t, r.Where[0].Note, "after classifier failed on doc-001")
}

func TestWherePointsAtTheLeakedGoroutines(t *testing.T) {
	file, goStmt := suitetest.MarkedLine(t, "go")
	_, send := suitetest.MarkedLine(t, "send")
	_, predict := suitetest.MarkedLine(t, "leakpredict")
	r := suitetest.CheckOne(t, Suite(), "no-leaked-goroutines", whereEarlyReturn)
	require.False(t, r.Pass)
	var lines []int
	for _, w := range r.Where {
		assert.Equal(t, file, w.File)
		assert.Contains(t, []int{goStmt, send, predict}, w.Line, "%+v", w)
		lines = append(lines, w.Line)
	}
	assert.Contains(t, lines, goStmt, "the go statement that started them: %+v", r.Where)
}

func TestWhereIsEmptyWhenNoCallIsToBlame(t *testing.T) {
	for _, r := range Suite().Check(solution) {
		assert.True(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
	// Too little parallelism, or wrong answers, is no one call's doing.
	for _, r := range Suite().Only(concurrencyProperties...).Check(Sequential) {
		assert.False(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
	r := suitetest.CheckOne(t, Suite(), "results-in-order", appendOrder)
	assert.False(t, r.Pass)
	assert.Empty(t, r.Where)
}
