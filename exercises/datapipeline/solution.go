package datapipeline

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// solution runs the three stages at once, connected by bounded channels:
//
//	fetchers ──records──▶ transform pool ──rows──▶ loaders ──▶ sink
//	(MaxConcurrent         (Workers                (the sink's
//	 per source)            goroutines)             MaxConcurrent,
//	                                                greedy batches)
//
// Each stage owns the channel it sends on and closes it when it returns,
// so the next stage's range loop ends; one errgroup owns the three stages,
// and its context cancels all of them on the first error.
//
// Bounded channels alone give backpressure (a slow sink fills rows, which
// stalls the transformers, which fills records, which stalls the fetchers),
// but not a number you can promise: each fetcher also holds a page in
// hand. So memory is bounded by credit: a fetcher takes PageSize credits
// before requesting a page, and the loader gives them back once the rows
// are written. At most MaxPending records are ever between source and sink,
// whatever the number of stages or the size of their buffers.
func solution(ctx context.Context, in Input) error {
	if err := validate(in); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	credit := semaphore.NewWeighted(int64(in.MaxPending))
	// Small buffers smooth hand-offs; the credit, not the buffers, bounds
	// memory. rows holds a full batch so that one accumulates while the
	// loader waits for the sink.
	records := make(chan Record, in.Workers)
	rows := make(chan Row, in.Sink.MaxBatch())

	g.Go(func() error {
		defer close(records) // extract is the only sender on records
		return extract(ctx, in, credit, records)
	})
	g.Go(func() error {
		defer close(rows) // the transform pool is the only sender on rows
		return transform(ctx, in, records, rows)
	})
	// The sink takes MaxConcurrent writes at once: one loader each, so a
	// slow write does not hold back the next batch.
	for range in.Sink.MaxConcurrent() {
		g.Go(func() error {
			return load(ctx, in, credit, rows)
		})
	}
	return g.Wait()
}

// validate refuses configurations that would deadlock: a page larger than
// the whole credit could never be requested.
func validate(in Input) error {
	if in.Workers < 1 || in.Sink.MaxBatch() < 1 || in.Sink.MaxConcurrent() < 1 || in.MaxAttempts < 1 {
		return fmt.Errorf("run pipeline: need workers, sink batch, sink writers and attempts >= 1, got %d, %d, %d, %d",
			in.Workers, in.Sink.MaxBatch(), in.Sink.MaxConcurrent(), in.MaxAttempts)
	}
	for _, src := range in.Sources {
		if src.PageSize > in.MaxPending || src.MaxConcurrent < 1 {
			return fmt.Errorf("run pipeline: source %s has pages of %d records and limit %d; need pages <= MaxPending %d and limit >= 1",
				src.Name, src.PageSize, src.MaxConcurrent, in.MaxPending)
		}
	}
	return nil
}

// extract downloads every page of every source and sends its records to
// out. Each source gets its own fixed set of MaxConcurrent fetchers sharing
// that source's page list, so no source ever sees more requests than it
// allows, and all sources download at once. It returns once every fetcher
// has returned (so the caller may close out), with the first error.
func extract(ctx context.Context, in Input, credit *semaphore.Weighted, out chan<- Record) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, src := range in.Sources {
		pages := make(chan int, src.Pages) // filled and closed here: no sender goroutine needed
		for p := range src.Pages {
			pages <- p
		}
		close(pages)
		for range min(src.MaxConcurrent, src.Pages) {
			g.Go(func() error {
				for page := range pages {
					if err := extractPage(ctx, in, credit, src, page, out); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	return g.Wait()
}

// extractPage takes credit for one page, downloads it with retries, and
// sends its records on.
func extractPage(ctx context.Context, in Input, credit *semaphore.Weighted, src Source, page int, out chan<- Record) error {
	// Take credit BEFORE the request: from the moment the source serves
	// the page until the loader has written it, its records count against
	// MaxPending. Acquire returns early if ctx is cancelled.
	if err := credit.Acquire(ctx, int64(src.PageSize)); err != nil {
		return fmt.Errorf("wait for room for %s page %d: %w", src.Name, page, err)
	}
	recs, err := fetchWithRetry(ctx, in, src, page)
	if err != nil {
		credit.Release(int64(src.PageSize))
		return err
	}
	if len(recs) > src.PageSize {
		credit.Release(int64(src.PageSize)) // the page is dropped: give back all it took
		return fmt.Errorf("extract %s page %d: %d records, more than the page size %d", src.Name, page, len(recs), src.PageSize)
	}
	credit.Release(int64(src.PageSize - len(recs))) // a short page returns what it did not use
	for _, r := range recs {
		// Never block on a send without also watching ctx: if the
		// transformers have stopped, nobody will ever receive this.
		select {
		case out <- r:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// fetchWithRetry requests a page until it succeeds, a non-temporary error
// occurs, or MaxAttempts is reached, backing off exponentially between
// attempts. The backoff is a ctx-aware wait, never time.Sleep: a cancelled
// pipeline must not sit out a long backoff.
func fetchWithRetry(ctx context.Context, in Input, src Source, page int) ([]Record, error) {
	for attempt := 1; ; attempt++ {
		recs, err := FetchPage(ctx, in.Client, src, page)
		if err == nil {
			return recs, nil
		}
		wait, retry := RetryWait(err, attempt, in.Backoff)
		if !retry || attempt >= in.MaxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("extract %s page %d (attempt %d): %w", src.Name, page, attempt, err)
		}
		if err := simworld.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("back off before retrying %s page %d: %w", src.Name, page, err)
		}
	}
}

// transform runs the pool: exactly Workers goroutines take records from in
// until it is closed, so at most Workers transforms run at once however
// fast records arrive. It returns once all of them have returned (so the
// caller may close out).
func transform(ctx context.Context, in Input, recs <-chan Record, out chan<- Row) error {
	g, ctx := errgroup.WithContext(ctx)
	for range in.Workers {
		g.Go(func() error {
			// recs is closed by extract when it returns, which it does
			// on cancellation too, so this loop always ends.
			for r := range recs {
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return fmt.Errorf("transform %s: %w", r.ID, err)
				}
				select {
				case out <- row:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// load writes rows to the sink in batches and gives their credit back. It
// never waits to fill a batch: it blocks for one row, takes whatever else
// is already queued (up to MaxBatch) and writes. While a write is under
// way rows pile up, so batches grow exactly when the sink is the
// bottleneck, and a partial batch can never wait for rows that the credit
// is holding back.
func load(ctx context.Context, in Input, credit *semaphore.Weighted, rows <-chan Row) error {
	limit := in.Sink.MaxBatch()
	batch := make([]Row, 0, limit)
	for {
		batch = batch[:0]
		select {
		case r, ok := <-rows:
			if !ok {
				return nil // the transform pool is done and everything is written
			}
			batch = append(batch, r)
		case <-ctx.Done():
			return ctx.Err()
		}
	fill:
		for len(batch) < limit {
			select {
			case r, ok := <-rows:
				if !ok {
					break fill // write what we have; the next receive sees the close
				}
				batch = append(batch, r)
			default:
				break fill // nothing more is ready: do not wait for it
			}
		}
		if err := in.Sink.Write(ctx, batch); err != nil {
			return fmt.Errorf("load %d rows: %w", len(batch), err)
		}
		credit.Release(int64(len(batch)))
	}
}
