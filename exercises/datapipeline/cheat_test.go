package datapipeline

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

// featurizeItself is Sequential with the transform done by calling
// simworld.Featurize itself, with the Featurizer's rounds: the same rows,
// but outside the Featurizer, whose calls the transform pool's limit is
// checked on (and which the speedup's workload would otherwise not wait
// for).
func featurizeItself(ctx context.Context, in Input) error {
	for _, src := range in.Sources {
		for page := range src.Pages {
			var records []Record
			for attempt := 1; ; attempt++ {
				recs, err := FetchPage(ctx, in.Client, src, page)
				if err == nil {
					records = recs
					break
				}
				wait, retry := RetryWait(err, attempt, in.Backoff)
				if !retry || attempt >= in.MaxAttempts {
					return fmt.Errorf("extract %s page %d (attempt %d): %w", src.Name, page, attempt, err)
				}
				if err := simworld.Sleep(ctx, wait); err != nil {
					return err
				}
			}
			rows := make([]Row, 0, len(records))
			for _, r := range records {
				rows = append(rows, simworld.Featurize(r, in.Featurizer.Rounds()))
			}
			for len(rows) > 0 {
				n := min(len(rows), in.Sink.MaxBatch())
				if err := in.Sink.Write(ctx, rows[:n]); err != nil {
					return err
				}
				rows = rows[n:]
			}
		}
	}
	return nil
}

func TestCheatFeaturizeOutsideTheFeaturizer(t *testing.T) {
	r := suitetest.CheckOne(t, Suite(), "exactly-once", featurizeItself)
	assert.False(t, r.Pass, "exactly-once passed: %s", r.Observed)
	assert.Contains(t, r.Observed, "never transformed")
	assert.ErrorContains(t, Workload(context.Background(), featurizeItself), "never transformed")
}
