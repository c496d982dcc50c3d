package datapipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// The broken versions below mark the lines failures must point at with a
// //where: comment.

// whereDeaf is a sequential pipeline that never lets ctx stop its work,
// and reports ctx's error only at the end.
func whereDeaf(ctx context.Context, in Input) error {
	bg := context.WithoutCancel(ctx)
	for _, src := range in.Sources {
		for page := range src.Pages {
			recs, err := FetchPage(bg, in.Client, src, page) //where:fetch
			if err != nil {
				return fmt.Errorf("extract %s page %d: %w", src.Name, page, err)
			}
			rows := make([]Row, 0, len(recs))
			for _, r := range recs {
				row, err := in.Featurizer.Transform(bg, r) //where:transform
				if err != nil {
					return err
				}
				rows = append(rows, row)
			}
			for len(rows) > 0 {
				n := min(len(rows), in.Sink.MaxBatch())
				if err := in.Sink.Write(bg, rows[:n]); err != nil { //where:write
					return err
				}
				rows = rows[n:]
			}
		}
	}
	return ctx.Err()
}

// whereEveryPageAtOnce requests every page of every source at once,
// whatever the sources' MaxConcurrent, and loads nothing.
func whereEveryPageAtOnce(ctx context.Context, in Input) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for _, src := range in.Sources {
		for page := range src.Pages {
			wg.Go(func() {
				if _, err := FetchPage(ctx, in.Client, src, page); err != nil { //where:burst
					select {
					case errs <- err:
					default:
					}
				}
			})
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func TestWherePointsAtTheCallResponsible(t *testing.T) {
	file, fetch := suitetest.MarkedLine(t, "fetch")
	_, transform := suitetest.MarkedLine(t, "transform")
	_, write := suitetest.MarkedLine(t, "write")
	_, burst := suitetest.MarkedLine(t, "burst")

	r := suitetest.CheckOne(t, Suite(), "cancelled-between-dispatches", whereDeaf)
	require.False(t, r.Pass)
	require.NotEmpty(t, r.Where)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File)
		assert.Equal(t, fetch, w.Line, "only page requests reach the source after the cancel: %+v", w)
		assert.Contains(t, w.Note, "after ctx was cancelled")
	}

	r = suitetest.CheckOne(t, Suite(), "cancelled-on-entry", whereDeaf)
	require.False(t, r.Pass)
	require.NotEmpty(t, r.Where)
	assert.Equal(t, fetch, r.Where[0].Line, "the requests first: %+v", r.Where)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File)
		assert.Contains(t, []int{fetch, transform, write}, w.Line, "%+v", w)
		assert.Contains(t, w.Note, "although ctx was cancelled before the call")
	}

	r = suitetest.CheckOne(t, Suite(), "source-rate-limit", whereEveryPageAtOnce)
	require.False(t, r.Pass)
	require.NotEmpty(t, r.Where)
	for _, w := range r.Where {
		assert.Equal(t, file, w.File)
		assert.Equal(t, burst, w.Line, "%+v", w)
		assert.Contains(t, w.Note, "refused with 429")
	}
}

func TestWhereIsEmptyWhenNoCallIsToBlame(t *testing.T) {
	for _, r := range Suite().Check(solution) {
		assert.True(t, r.Pass, r.Property)
		assert.Empty(t, r.Where, r.Property)
	}
	// Too little concurrency, or a missing backoff, is no one call's doing.
	for _, r := range Suite().Check(Sequential) {
		if !r.Pass {
			assert.Empty(t, r.Where, r.Property)
		}
	}
	r := suitetest.CheckOne(t, Suite(), "retry-with-backoff", eagerRetry)
	assert.False(t, r.Pass)
	assert.Empty(t, r.Where)
}
