// Package datapipeline is the workbook's "Data pipeline" exercise: an ETL
// job that extracts records from several rate-limited HTTP sources,
// transforms them with CPU-bound feature hashing and loads them into a sink
// with a bounded write rate. See README.md for the problem, exercise.go for
// the sequential version, solution.go for the reference solution and
// guide.md for the interview guide.
package datapipeline

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// Impl runs the whole pipeline once: every record of every source is
// extracted, transformed and loaded exactly once. It returns nil when all
// were loaded, or the first error (cancellation included).
type Impl func(ctx context.Context, in Input) error

// Record is one raw record, as a source serves it.
type Record = simworld.Record

// Row is a transformed record, as the sink stores it.
type Row = simworld.Row

// Featurizer transforms records (CPU-bound work).
type Featurizer = simworld.Featurizer

// Sink is where rows are loaded.
type Sink = simworld.Sink

// StatusError is a source's non-200 answer; Temporary says if a retry may help.
type StatusError = simworld.StatusError

// Source is one upstream API to extract from.
type Source struct {
	Name     string
	URL      string // page p is at URL/pages/p; FetchPage gets it
	Pages    int    // pages 0..Pages-1
	PageSize int    // records per page
	// MaxConcurrent is the source's documented limit on concurrent
	// requests: more than that at once are refused with 429 Too Many
	// Requests and "Retry-After: 1".
	MaxConcurrent int
}

// Config tunes the pipeline.
type Config struct {
	// Workers is the size of the transform pool: at most this many
	// transforms may run at once.
	Workers int
	// MaxPending bounds memory: at no moment may more than MaxPending
	// records have been served by the sources but not yet loaded into the
	// sink. It is at least one page and one full sink batch.
	MaxPending int
	// MaxAttempts is how many times a page is requested, the first
	// included, before its error is returned.
	MaxAttempts int
	// Backoff is the wait before the first retry of a page; retry n waits
	// at least Backoff<<(n-1), and at least the source's Retry-After.
	Backoff time.Duration
}

// Input is everything one run of the pipeline gets.
type Input struct {
	Sources    []Source
	Client     *http.Client // for every request; the world closes it
	Featurizer *Featurizer  // Transform(ctx, record) is the CPU-bound step
	Sink       *Sink        // Write(ctx, rows) loads at most Sink.MaxBatch() rows, Sink.MaxConcurrent() at once
	Config
}

// FetchPage makes ONE request for a source's page and returns its records,
// or a *StatusError for a non-200 answer. Retrying is the caller's job.
func FetchPage(ctx context.Context, client *http.Client, src Source, page int) ([]Record, error) {
	return simworld.FetchPage(ctx, client, src.URL, page)
}

// RetryWait returns how long to wait before retry n (1-based) of a request
// that failed with err, and whether to retry at all: only a temporary
// *StatusError (429 or 5xx) is retried, after Backoff<<(n-1) or the
// source's Retry-After, whichever is longer.
func RetryWait(err error, n int, backoff time.Duration) (time.Duration, bool) {
	var se *StatusError
	if !errors.As(err, &se) || !se.Temporary() {
		return 0, false
	}
	return max(backoff<<(n-1), se.RetryAfter), true
}
