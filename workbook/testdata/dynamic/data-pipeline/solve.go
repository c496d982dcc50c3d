// A broken data pipeline with two bugs, each marked:
//   - RACE: a source's fetchers share the index of its next page in a plain
//     variable, read and written without a lock;
//   - LEAK: each stage sends its result on an unbuffered channel and Solve
//     returns at the first error, so the stages that end after it block
//     forever on their send.

package practice

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/asyncbook/asyncbook/exercises/datapipeline"
	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Solve runs the three stages at once, connected by bounded channels, and
// returns the first stage's error.
func Solve(ctx context.Context, in datapipeline.Input) error {
	if err := validate(in); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	credit := semaphore.NewWeighted(int64(in.MaxPending))
	records := make(chan datapipeline.Record, in.Workers)
	rows := make(chan datapipeline.Row, in.Sink.MaxBatch())
	stages := []func() error{
		func() error {
			defer close(records)
			return extract(ctx, in, credit, records)
		},
		func() error {
			defer close(rows)
			return transform(ctx, in, records, rows)
		},
		func() error {
			g, ctx := errgroup.WithContext(ctx)
			for range in.Sink.MaxConcurrent() {
				g.Go(func() error { return load(ctx, in, credit, rows) })
			}
			return g.Wait()
		},
	}
	errc := make(chan error) // each stage's result
	for _, stage := range stages {
		go func() { // LEAK go
			errc <- stage() // LEAK send
		}()
	}
	for range stages {
		if err := <-errc; err != nil {
			return err // the stages still running will never be received from
		}
	}
	return nil
}

// validate refuses configurations that would deadlock: a page larger than
// the whole credit could never be requested.
func validate(in datapipeline.Input) error {
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
// out, with MaxConcurrent fetchers per source that share the source's next
// page in a plain variable.
func extract(ctx context.Context, in datapipeline.Input, credit *semaphore.Weighted, out chan<- datapipeline.Record) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1) // the first error
	for _, src := range in.Sources {
		next := 0 // the source's next page, shared by its fetchers without a lock
		for range min(src.MaxConcurrent, src.Pages) {
			wg.Add(1)
			go func() { // RACE go
				defer wg.Done()
				for {
					page := next // RACE read
					if page >= src.Pages {
						return
					}
					next = page + 1 // RACE write
					if err := extractPage(ctx, in, credit, src, page, out); err != nil {
						select {
						case errs <- err:
						default: // an error is already there
						}
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	return <-errs // the first error, or nil
}

// extractPage takes credit for one page, downloads it with retries, and
// sends its records on.
func extractPage(ctx context.Context, in datapipeline.Input, credit *semaphore.Weighted, src datapipeline.Source, page int, out chan<- datapipeline.Record) error {
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
func fetchWithRetry(ctx context.Context, in datapipeline.Input, src datapipeline.Source, page int) ([]datapipeline.Record, error) {
	for attempt := 1; ; attempt++ {
		recs, err := datapipeline.FetchPage(ctx, in.Client, src, page)
		if err == nil {
			return recs, nil
		}
		wait, retry := datapipeline.RetryWait(err, attempt, in.Backoff)
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
func transform(ctx context.Context, in datapipeline.Input, recs <-chan datapipeline.Record, out chan<- datapipeline.Row) error {
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
func load(ctx context.Context, in datapipeline.Input, credit *semaphore.Weighted, rows <-chan datapipeline.Row) error {
	limit := in.Sink.MaxBatch()
	batch := make([]datapipeline.Row, 0, limit)
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
