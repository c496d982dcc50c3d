// Data pipeline: extract, transform, load.
//
// A feature-engineering job pulls raw records from several HTTP sources
// (paged JSON lines), turns each into a row of hashed features (CPU-bound)
// and loads the rows into a sink that accepts batches of at most
// Sink.MaxBatch() rows. Sources are slow (each request takes tens of
// milliseconds), sometimes fail with a 5xx that succeeds on retry, and
// refuse more than Source.MaxConcurrent requests at once with 429.
//
// Sequential below is correct but does one thing at a time: one request,
// then one transform after another, then one write. Make it fast without
// breaking anything: download from every source at once (within each
// source's limit), transform on a pool of at most Config.Workers
// goroutines, load in batches, never hold more than Config.MaxPending
// records between extraction and load, retry with backoff that stops when
// ctx is cancelled, stop everything on the first error, and leave no
// goroutine behind.

package datapipeline

import (
	"context"
	"fmt"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Sequential extracts each page of each source in turn, transforms its
// records one by one and loads them before asking for the next page.
func Sequential(ctx context.Context, in Input) error {
	for _, src := range in.Sources {
		for page := range src.Pages {
			// Extract, retrying temporary failures with exponential backoff.
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
				// simworld.Sleep waits like time.Sleep but returns as soon
				// as ctx is cancelled.
				if err := simworld.Sleep(ctx, wait); err != nil {
					return fmt.Errorf("back off before retrying %s page %d: %w", src.Name, page, err)
				}
			}

			// Transform.
			rows := make([]Row, 0, len(records))
			for _, r := range records {
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return fmt.Errorf("transform %s: %w", r.ID, err)
				}
				rows = append(rows, row)
			}

			// Load, in batches the sink accepts.
			for len(rows) > 0 {
				n := min(len(rows), in.Sink.MaxBatch())
				if err := in.Sink.Write(ctx, rows[:n]); err != nil {
					return fmt.Errorf("load %d rows of %s page %d: %w", n, src.Name, page, err)
				}
				rows = rows[n:]
			}
		}
	}
	return nil
}
