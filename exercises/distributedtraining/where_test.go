package distributedtraining

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// whereDeaf is Sequential computing every gradient with a ctx that is
// never cancelled, on the line the failure must point at.
func whereDeaf(ctx context.Context, job Job) ([]float64, error) {
	for i, w := range job.Workers {
		if err := w.Load(ctx, i); err != nil {
			return nil, err
		}
	}
	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		grads := make([][]float64, 0, len(job.Workers))
		for i, w := range job.Workers {
			g, err := w.Gradient(context.WithoutCancel(ctx), step, i, params) //where:gradient
			if err != nil {
				return nil, fmt.Errorf("step %d: gradient of shard %d: %w", step, i, err)
			}
			grads = append(grads, g)
		}
		params = Apply(params, grads, job.LR)
	}
	return params, ctx.Err()
}

func TestWherePointsAtTheCallResponsible(t *testing.T) {
	file, line := suitetest.MarkedLine(t, "gradient")
	r := suitetest.CheckOne(t, Suite(), "cancelled-between-steps", whereDeaf)
	require.False(t, r.Pass)
	require.NotEmpty(t, r.Where)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File, "%+v", w)
		assert.Equal(t, line, w.Line, "%+v", w)
		assert.Contains(t, w.Note, "after ctx was cancelled")
	}
}

func TestWhereIsEmptyWhenNoCallIsToBlame(t *testing.T) {
	for _, r := range Suite().Check(solution) {
		assert.True(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
	// A straggler waited for, or too little parallelism, is no one call's doing.
	for _, r := range Suite().Check(Sequential) {
		if !r.Pass {
			assert.Empty(t, r.Where, r.Property)
		}
	}
}
