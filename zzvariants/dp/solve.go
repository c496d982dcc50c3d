package practice

import (
	"context"
	"fmt"
	"time"

	"github.com/asyncbook/asyncbook/exercises/datapipeline"
)

// Solve runs extract, transform and load as three stages.
func Solve(ctx context.Context, in datapipeline.Input) error {
	pages := make(chan []datapipeline.Record)
	errc := make(chan error, 1)
	for _, src := range in.Sources {
		go func() {
			for page := range src.Pages {
				var recs []datapipeline.Record
				var err error
				for attempt := 1; attempt <= in.MaxAttempts; attempt++ {
					recs, err = datapipeline.FetchPage(ctx, in.Client, src, page)
					if err == nil {
						break
					}
					wait, retry := datapipeline.RetryWait(err, attempt, in.Backoff)
					if !retry {
						break
					}
					time.Sleep(wait)
				}
				if err != nil {
					errc <- fmt.Errorf("extract %s page %d: %w", src.Name, page, err)
					return
				}
				pages <- recs
			}
		}()
	}
	total := 0
	for _, src := range in.Sources {
		total += src.Pages
	}
	for range total {
		select {
		case err := <-errc:
			return err
		case recs := <-pages:
			rows := make([]datapipeline.Row, 0, len(recs))
			for _, r := range recs {
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return err
				}
				rows = append(rows, row)
			}
			for len(rows) > 0 {
				n := min(len(rows), in.Sink.MaxBatch())
				in.Sink.Write(ctx, rows[:n])
				rows = rows[n:]
			}
		}
	}
	return nil
}
