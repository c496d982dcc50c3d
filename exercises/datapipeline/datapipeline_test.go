package datapipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSolutionPassesEveryProperty(t *testing.T) { suitetest.SolutionPasses(t, Suite(), solution) }

func TestSequentialFailsConcurrencyProperties(t *testing.T) {
	suitetest.SequentialFails(t, Suite(), Sequential, "concurrent-downloads", "transform-pool")
}

func TestSuiteRun(t *testing.T) {
	Suite().Run(t, solution)
}

func TestInfo(t *testing.T) {
	assert.Equal(t, "data-pipeline", Info.Slug)
	for _, name := range []string{"README.md", "guide.md", "exercise.go", "solution.go"} {
		b, err := Files.ReadFile(name)
		require.NoError(t, err)
		assert.NotEmpty(t, b, name)
	}
	assert.Greater(t, IdealSpeedup, 8.0)
}

// The broken implementations below each break one requirement; the tests
// show that the matching property catches it.

// noCredit is the reference pipeline with bounded channels but no credit:
// every fetcher can hold a page while the sink is slow.
func noCredit(ctx context.Context, in Input) error {
	in.MaxPending = 1 << 30
	return solution(ctx, in)
}

func TestBoundedChannelsAloneFailBackpressure(t *testing.T) {
	res := Suite().Only("backpressure", "exactly-once").Check(noCredit)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"backpressure"}, suite.Failed(res))
}

// ignoreSourceLimit opens as many connections per source as it has pages.
func ignoreSourceLimit(ctx context.Context, in Input) error {
	in.Sources = append([]Source(nil), in.Sources...)
	for i := range in.Sources {
		in.Sources[i].MaxConcurrent = in.Sources[i].Pages
	}
	return solution(ctx, in)
}

func TestIgnoringTheSourceLimitFails(t *testing.T) {
	res := Suite().Only("source-rate-limit").Check(ignoreSourceLimit)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"source-rate-limit"}, suite.Failed(res))
}

// unboundedTransform runs a transform goroutine per record, in effect.
func unboundedTransform(ctx context.Context, in Input) error {
	in.Workers = 1000
	return solution(ctx, in)
}

func TestUnboundedTransformFailsThePool(t *testing.T) {
	res := Suite().Only("transform-pool").Check(unboundedTransform)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"transform-pool"}, suite.Failed(res))
}

// noRetry gives up on the first failure; eagerRetry retries without waiting.
func noRetry(ctx context.Context, in Input) error {
	in.MaxAttempts = 1
	return solution(ctx, in)
}

func eagerRetry(ctx context.Context, in Input) error {
	in.Backoff = time.Microsecond
	return solution(ctx, in)
}

func TestRetriesAreRequiredAndMustBackOff(t *testing.T) {
	res := Suite().Only("exactly-once", "retry-with-backoff").Check(noRetry)
	suitetest.LogResults(t, res)
	assert.ElementsMatch(t, []string{"exactly-once", "retry-with-backoff"}, suite.Failed(res))

	res = Suite().Only("exactly-once", "retry-with-backoff").Check(eagerRetry)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"retry-with-backoff"}, suite.Failed(res))
}

// sleepyBackoff is Sequential with the classic mistake: time.Sleep for the
// backoff, which no cancellation can cut short.
func sleepyBackoff(ctx context.Context, in Input) error {
	for _, src := range in.Sources {
		for page := range src.Pages {
			var recs []Record
			for attempt := 1; ; attempt++ {
				r, err := FetchPage(ctx, in.Client, src, page)
				if err == nil {
					recs = r
					break
				}
				wait, retry := RetryWait(err, attempt, in.Backoff)
				if !retry || attempt >= in.MaxAttempts {
					return err
				}
				time.Sleep(wait)
			}
			var rows []Row
			for _, r := range recs {
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return err
				}
				rows = append(rows, row)
			}
			if err := in.Sink.Write(ctx, rows); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestSleepingBackoffFailsCancellation(t *testing.T) {
	res := Suite().Only("cancellation").Check(sleepyBackoff)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"cancellation"}, suite.Failed(res))
}

// noFinalFlush batches rows across pages but forgets the last partial batch.
func noFinalFlush(ctx context.Context, in Input) error {
	var batch []Row
	for _, src := range in.Sources {
		for page := range src.Pages {
			recs, err := fetchWithRetry(ctx, in, src, page)
			if err != nil {
				return err
			}
			for _, r := range recs {
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return err
				}
				if batch = append(batch, row); len(batch) == in.Sink.MaxBatch() {
					if err := in.Sink.Write(ctx, batch); err != nil {
						return err
					}
					batch = nil
				}
			}
		}
	}
	return nil
}

func TestForgettingTheLastBatchFailsExactlyOnce(t *testing.T) {
	res := Suite().Only("exactly-once").Check(noFinalFlush)
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"exactly-once"}, suite.Failed(res))
}

// strandedSenders fans out a goroutine per source that sends records on an
// unbuffered channel, and returns at the first error without draining it:
// the other senders block forever (here, until the test releases them).
func strandedSenders(release <-chan struct{}) Impl {
	return func(ctx context.Context, in Input) error {
		type item struct {
			rec Record
			err error
		}
		out := make(chan item)
		var senders sync.WaitGroup
		for _, src := range in.Sources {
			senders.Add(1)
			go func() { // deliberately unbounded: the suite must catch it
				defer senders.Done()
				for page := range src.Pages {
					recs, err := FetchPage(ctx, in.Client, src, page)
					if err != nil {
						recs = nil
					}
					for _, r := range recs {
						select {
						case out <- item{rec: r}:
						case <-release:
							return
						}
					}
					if err != nil {
						select {
						case out <- item{err: err}:
						case <-release:
						}
						return
					}
				}
			}()
		}
		go func() {
			senders.Wait()
			close(out)
		}()
		for it := range out {
			if it.err != nil {
				return fmt.Errorf("extract: %w", it.err)
			}
			row, err := in.Featurizer.Transform(ctx, it.rec)
			if err != nil {
				return err
			}
			if err := in.Sink.Write(ctx, []Row{row}); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestStrandedSendersFailNoLeakedGoroutines(t *testing.T) {
	release := make(chan struct{})
	res := Suite().Only("no-leaked-goroutines").Check(strandedSenders(release))
	close(release) // let the stranded goroutines go, for VerifyTestMain
	suitetest.LogResults(t, res)
	assert.Equal(t, []string{"no-leaked-goroutines"}, suite.Failed(res))
}

// quietStages is a pipeline whose every stage reads ctx being done as "no
// more work" and returns nil: the old batch-inference shape (#17), where a
// cancelled run looks like a finished one.
func quietStages(ctx context.Context, in Input) error {
	records := make(chan Record, in.Workers)
	rows := make(chan Row, in.Sink.MaxBatch())
	var g errgroup.Group
	g.Go(func() error {
		defer close(records)
		for _, src := range in.Sources {
			for page := range src.Pages {
				if ctx.Err() != nil {
					return nil
				}
				recs, err := fetchWithRetry(ctx, in, src, page)
				if err != nil {
					return err
				}
				for _, r := range recs {
					records <- r
				}
			}
		}
		return nil
	})
	var workers errgroup.Group
	for range in.Workers {
		workers.Go(func() error {
			for r := range records {
				if ctx.Err() != nil {
					continue // drain: the run is over
				}
				row, err := in.Featurizer.Transform(ctx, r)
				if err != nil {
					return err
				}
				rows <- row
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(rows)
		return workers.Wait()
	})
	g.Go(func() error {
		batch := make([]Row, 0, in.Sink.MaxBatch())
		flush := func() error {
			if len(batch) == 0 || ctx.Err() != nil {
				return nil
			}
			err := in.Sink.Write(ctx, batch)
			batch = batch[:0]
			return err
		}
		for row := range rows {
			batch = append(batch, row)
			if len(batch) == in.Sink.MaxBatch() {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	return g.Wait()
}

func TestUnlinkedSourcesFailErrorPropagation(t *testing.T) {
	r := suitetest.CheckOne(t, Suite(), "error-propagation", sourcesUnlinked)
	assert.False(t, r.Pass, "one source's failure must stop the others")
}

func TestQuietStagesFailTheCancelledProperties(t *testing.T) {
	for _, p := range []string{"cancelled-on-entry", "cancelled-between-dispatches"} {
		r := suitetest.CheckOne(t, Suite(), p, quietStages)
		assert.False(t, r.Pass, "a pipeline that returns nil when cancelled should fail %s", p)
	}
}

// perPage is a correct answer in another style: no stages and no
// channels, but one goroutine per page in flight carrying its page from
// source to sink, with a weighted semaphore for every limit (the source's
// requests, the transform pool, the sink's writes, the records pending).
func perPage(ctx context.Context, in Input) error {
	if in.Workers < 1 || in.Sink.MaxBatch() < 1 || in.Sink.MaxConcurrent() < 1 {
		return fmt.Errorf("run pipeline: bad config %+v", in.Config)
	}
	credit := semaphore.NewWeighted(int64(in.MaxPending))
	workers := semaphore.NewWeighted(int64(in.Workers))
	writers := semaphore.NewWeighted(int64(in.Sink.MaxConcurrent()))
	g, ctx := errgroup.WithContext(ctx)
	for _, src := range in.Sources {
		if src.PageSize > in.MaxPending {
			return fmt.Errorf("run pipeline: %s pages hold %d records, more than MaxPending %d", src.Name, src.PageSize, in.MaxPending)
		}
		requests := semaphore.NewWeighted(int64(src.MaxConcurrent))
		g.Go(func() error { // this source's dispatcher
			for page := range src.Pages {
				if err := requests.Acquire(ctx, 1); err != nil {
					return fmt.Errorf("wait to request %s page %d: %w", src.Name, page, err)
				}
				if err := credit.Acquire(ctx, int64(src.PageSize)); err != nil {
					requests.Release(1)
					return fmt.Errorf("wait for room for %s page %d: %w", src.Name, page, err)
				}
				g.Go(func() error {
					recs, err := fetchWithRetry(ctx, in, src, page)
					requests.Release(1)
					if err != nil || len(recs) > src.PageSize {
						credit.Release(int64(src.PageSize))
						return errors.Join(err, fmt.Errorf("%s page %d: %d records", src.Name, page, len(recs)))
					}
					credit.Release(int64(src.PageSize - len(recs)))
					return carryPage(ctx, in, recs, workers, writers, credit)
				})
			}
			return nil
		})
	}
	return g.Wait()
}

// carryPage transforms a page's records on the shared pool and writes them
// in batches, giving back each batch's credit once it is written (or the
// whole page's, if it fails).
func carryPage(ctx context.Context, in Input, recs []Record, workers, writers, credit *semaphore.Weighted) error {
	rows := make([]Row, len(recs))
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range recs {
		if err := workers.Acquire(gctx, 1); err != nil {
			break // g.Wait reports why, or ctx does below
		}
		g.Go(func() error {
			defer workers.Release(1)
			row, err := in.Featurizer.Transform(gctx, r)
			if err != nil {
				return fmt.Errorf("transform %s: %w", r.ID, err)
			}
			rows[i] = row
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	for len(rows) > 0 && err == nil {
		n := min(len(rows), in.Sink.MaxBatch())
		if err = writers.Acquire(ctx, 1); err != nil {
			break
		}
		err = in.Sink.Write(ctx, rows[:n])
		writers.Release(1)
		if err == nil {
			credit.Release(int64(n))
			rows = rows[n:]
		}
	}
	if err != nil {
		credit.Release(int64(len(rows)))
	}
	return err
}

// errgroupLimits is a correct answer in a third style: no fixed pools, but
// an errgroup with SetLimit for each bound (a source's requests, the
// transform pool), fetches that hand each record to the transform group
// themselves, and the reference's loaders.
func errgroupLimits(ctx context.Context, in Input) error { return errgroupPipeline(ctx, in, true) }

// sourcesUnlinked is errgroupLimits with the sources in a group without a
// context: one source's fatal error does not stop the others, and the run
// returns it only once every other source is downloaded.
func sourcesUnlinked(ctx context.Context, in Input) error { return errgroupPipeline(ctx, in, false) }

func errgroupPipeline(parent context.Context, in Input, linked bool) error {
	if err := validate(in); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(parent)
	// One context for every stage: the first failure anywhere cancels
	// all of them, with itself as the cause.
	ctx, stop := context.WithCancelCause(gctx)
	defer stop(nil)
	fail := func(err error) error {
		stop(err)
		return err
	}
	credit := semaphore.NewWeighted(int64(in.MaxPending))
	rows := make(chan Row, in.Sink.MaxBatch())
	var transforms errgroup.Group
	transforms.SetLimit(in.Workers)
	g.Go(func() error {
		defer close(rows) // every fetch and transform has returned
		var sources errgroup.Group
		for _, src := range in.Sources {
			sources.Go(func() error {
				var fetches errgroup.Group
				fetches.SetLimit(src.MaxConcurrent)
				for page := range src.Pages {
					if err := credit.Acquire(ctx, int64(src.PageSize)); err != nil {
						return errors.Join(fetches.Wait(), err)
					}
					fetches.Go(func() error {
						recs, err := fetchWithRetry(ctx, in, src, page)
						if err != nil {
							credit.Release(int64(src.PageSize))
							if linked {
								return fail(err)
							}
							return err
						}
						credit.Release(int64(src.PageSize - len(recs)))
						for _, r := range recs {
							transforms.Go(func() error {
								row, err := in.Featurizer.Transform(ctx, r)
								if err != nil {
									return fail(fmt.Errorf("transform %s: %w", r.ID, err))
								}
								select {
								case rows <- row:
									return nil
								case <-ctx.Done():
									return ctx.Err()
								}
							})
						}
						return nil
					})
				}
				return fetches.Wait()
			})
		}
		return errors.Join(sources.Wait(), transforms.Wait())
	})
	for range in.Sink.MaxConcurrent() {
		g.Go(func() error { return load(ctx, in, credit, rows) })
	}
	err := g.Wait()
	if cause := context.Cause(ctx); err != nil && cause != nil {
		return cause // the first failure, not the cancellations it caused
	}
	return err
}

var alternatives = []struct {
	name string
	impl Impl
}{
	{"one goroutine per page, semaphores", perPage},
	{"errgroup SetLimit per bound", errgroupLimits},
}

func TestAlternativesPassEveryRun(t *testing.T) {
	for _, a := range alternatives {
		t.Run(a.name, func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), a.impl, suitetest.Runs(20)/4) })
	}
}

func TestAlternativesPassUnderCPUHog(t *testing.T) {
	suitetest.UnderCPUHog(t, func() {
		for _, a := range alternatives {
			t.Run(a.name, func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), a.impl, suitetest.Runs(20)/10) })
		}
		t.Run("reference", func(t *testing.T) { suitetest.PassesEveryRun(t, Suite(), Impl(solution), suitetest.Runs(20)/10) })
	})
}

func TestRetryWait(t *testing.T) {
	se := func(code int, after time.Duration) error { return &StatusError{Code: code, RetryAfter: after} }
	for _, tc := range []struct {
		name  string
		err   error
		n     int
		wait  time.Duration
		retry bool
	}{
		{"503 first retry", se(503, 0), 1, 10 * time.Millisecond, true},
		{"500 third retry doubles twice", se(500, 0), 3, 40 * time.Millisecond, true},
		{"429 honours Retry-After", se(429, time.Second), 1, time.Second, true},
		{"wrapped 502", fmt.Errorf("page 3: %w", se(502, 0)), 2, 20 * time.Millisecond, true},
		{"404 is permanent", se(404, 0), 1, 0, false},
		{"cancellation is not retried", context.Canceled, 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wait, retry := RetryWait(tc.err, tc.n, 10*time.Millisecond)
			assert.Equal(t, tc.retry, retry)
			assert.Equal(t, tc.wait, wait)
		})
	}
}

func TestSolutionRefusesAPageLargerThanTheCredit(t *testing.T) {
	rec := simworld.NewRecorder()
	in := Input{
		Sources:    []Source{{Name: "x", URL: "http://127.0.0.1:1", Pages: 1, PageSize: 10, MaxConcurrent: 1}},
		Featurizer: simworld.NewFeaturizer(rec, simworld.FeaturizerConfig{}),
		Sink:       simworld.NewSink(rec, nil, simworld.SinkConfig{MaxBatch: 4, MaxConcurrent: 1}),
		Config:     Config{Workers: 2, MaxPending: 5, MaxAttempts: 1},
	}
	err := solution(context.Background(), in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxPending")
}

func TestWorkloadRunsBoth(t *testing.T) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, impl := range []Impl{Sequential, solution} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Workload(ctx, impl)
		}()
	}
	wg.Wait()
	assert.NoError(t, errs[0])
	assert.NoError(t, errs[1])
}
