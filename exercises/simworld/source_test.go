package simworld

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// sourceLeakCheck checks for leaked goroutines once the test and its
// cleanups (closing sources) are done.
func sourceLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// startTestSource starts a source and a client of its own, and registers
// their cleanup.
func startTestSource(t *testing.T, cfg SourceConfig, rec *Recorder, backlog *Backlog) (*SourceServer, *http.Client) {
	t.Helper()
	s, err := StartSource(cfg, rec, backlog)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(func() {
		assert.NoError(t, s.Close())
		tr.CloseIdleConnections()
	})
	return s, &http.Client{Transport: tr}
}

func TestSourceServesItsPagesOverHTTP(t *testing.T) {
	sourceLeakCheck(t)
	rec, backlog := NewRecorder(), &Backlog{}
	s, client := startTestSource(t, SourceConfig{Name: "clicks", Pages: 3, PageSize: 4, Latency: time.Millisecond, MaxConcurrent: 2}, rec, backlog)
	require.Contains(t, s.URL(), "http://127.0.0.1:")

	var got []Record
	for p := range 3 {
		recs, err := FetchPage(context.Background(), client, s.URL(), p)
		require.NoError(t, err)
		require.Len(t, recs, 4)
		got = append(got, recs...)
	}
	assert.Equal(t, s.Records(), got)
	assert.Equal(t, "clicks/2/3", got[11].ID)
	assert.NotEmpty(t, got[0].Text)

	spans := rec.SpansOf("source/clicks")
	require.Len(t, spans, 3)
	assert.Equal(t, "page 0", spans[0].Label)
	assert.Empty(t, spans[0].Err)
	for _, r := range s.Log() {
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, 1, r.Attempt)
		assert.Equal(t, 4, r.Records)
		assert.GreaterOrEqual(t, r.End-r.Start, time.Millisecond, "the latency is served")
	}
	assert.Equal(t, 12, backlog.Pending(), "served records count as extracted")
	assert.Equal(t, 12, backlog.Max())

	_, err := FetchPage(context.Background(), client, s.URL(), 3)
	var se *StatusError
	require.ErrorAs(t, err, &se, "a page beyond the last is a 404")
	assert.Equal(t, http.StatusNotFound, se.Code)
	assert.False(t, se.Temporary())
}

func TestSourceRefusesRequestsBeyondItsLimitWith429(t *testing.T) {
	sourceLeakCheck(t)
	release := make(chan struct{})
	cfg := SourceConfig{Name: "api", Pages: 2, PageSize: 1, MaxConcurrent: 1, RetryAfter: 1500 * time.Millisecond,
		Fail: func(page, _ int) int {
			if page == 0 {
				<-release // hold page 0's request in flight
			}
			return 0
		}}
	s, client := startTestSource(t, cfg, NewRecorder(), nil)

	first := make(chan error, 1)
	go func() {
		_, err := FetchPage(context.Background(), client, s.URL(), 0)
		first <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.AwaitInFlight(ctx, 1))

	_, err := FetchPage(context.Background(), client, s.URL(), 1)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusTooManyRequests, se.Code)
	assert.Equal(t, 2*time.Second, se.RetryAfter, "Retry-After is whole seconds, rounded up")
	assert.True(t, se.Temporary())

	close(release)
	require.NoError(t, <-first)
	assert.Equal(t, 1, s.Rejected())
	assert.Equal(t, 1, s.MaxInFlight(), "a refused request is not counted as served")
}

func TestSourceInjectsFailuresPerAttempt(t *testing.T) {
	sourceLeakCheck(t)
	cfg := SourceConfig{Name: "flaky", Pages: 2, PageSize: 2, MaxConcurrent: 1,
		Fail: func(page, attempt int) int {
			if page == 1 && attempt <= 2 {
				return http.StatusServiceUnavailable
			}
			return 0
		}}
	s, client := startTestSource(t, cfg, NewRecorder(), nil)
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := FetchPage(context.Background(), client, s.URL(), 1)
		var se *StatusError
		require.ErrorAs(t, err, &se, "attempt %d", attempt)
		assert.Equal(t, http.StatusServiceUnavailable, se.Code)
		assert.True(t, se.Temporary())
	}
	recs, err := FetchPage(context.Background(), client, s.URL(), 1)
	require.NoError(t, err)
	assert.Len(t, recs, 2)
	var attempts []int
	for _, r := range s.Log() {
		attempts = append(attempts, r.Attempt)
	}
	assert.Equal(t, []int{1, 2, 3}, attempts)
	assert.Equal(t, 0, s.Rejected(), "injected failures are not limit refusals")
}

func TestSourceCloseEndsRequestsInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	rec := NewRecorder()
	s, err := StartSource(SourceConfig{Name: "slow", Pages: 1, PageSize: 1, Latency: time.Hour, MaxConcurrent: 1}, rec, nil)
	require.NoError(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	got := make(chan error, 1)
	go func() {
		_, err := FetchPage(context.Background(), &http.Client{Transport: tr}, s.URL(), 0)
		got <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.AwaitInFlight(ctx, 1))

	require.NoError(t, s.Close(), "Close returns although the handler was sleeping for an hour")
	assert.Error(t, <-got, "the client sees the request fail")
	assert.Equal(t, 0, rec.InFlight("source/slow"), "the handler's span ended")
}

func TestFetchPageHonoursContext(t *testing.T) {
	sourceLeakCheck(t)
	s, client := startTestSource(t, SourceConfig{Name: "slow", Pages: 1, PageSize: 1, Latency: time.Hour, MaxConcurrent: 1}, NewRecorder(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := FetchPage(ctx, client, s.URL(), 0)
		got <- err
	}()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	require.NoError(t, s.AwaitInFlight(wait, 1))
	cancel()
	assert.ErrorIs(t, <-got, context.Canceled)
	require.NoError(t, s.Await(wait, "the handler to notice", func(log []SourceRequest) bool { return len(log) == 1 }))
	assert.Equal(t, 0, s.Log()[0].Status, "the client went away before an answer")
}

func TestStartSourceRejectsBadConfig(t *testing.T) {
	for _, cfg := range []SourceConfig{
		{Pages: 1, PageSize: 1, MaxConcurrent: 1},
		{Name: "x", Pages: 1, PageSize: 0, MaxConcurrent: 1},
		{Name: "x", Pages: 1, PageSize: 1, MaxConcurrent: 0},
	} {
		_, err := StartSource(cfg, NewRecorder(), nil)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestFeaturizeIsDeterministicAndDependsOnText(t *testing.T) {
	a := Record{ID: "s/0/0", Source: "s", Text: "the model and the loss"}
	b := Record{ID: "s/0/1", Source: "s", Text: "the model and the gradient"}
	ra, ra2, rb := Featurize(a, 10), Featurize(a, 10), Featurize(b, 10)
	assert.Equal(t, ra, ra2)
	assert.NotEqual(t, ra.Digest, rb.Digest)
	assert.NotEqual(t, ra.Digest, Featurize(a, 11).Digest, "rounds are part of the transform")
	assert.Equal(t, 5, ra.Tokens)
	total := 0
	for _, f := range ra.Features {
		total += int(f)
	}
	assert.Equal(t, 5+4, total, "five unigrams and four bigrams")
	assert.Equal(t, "s/0/0", ra.ID)
}

func TestFeaturizerRecordsAndHoldsUntilConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	rec := NewRecorder()
	// Two calls: the first waits for the second, however long it takes to come.
	f := NewFeaturizer(rec, FeaturizerConfig{Rounds: 5, AwaitConcurrency: 2, AwaitTimeout: time.Hour})
	rows := make(chan Row, 2)
	for i := range 2 {
		go func() {
			row, err := f.Transform(context.Background(), Record{ID: string(rune('a' + i)), Text: "x y"})
			assert.NoError(t, err)
			rows <- row
		}()
	}
	<-rows
	<-rows
	assert.Equal(t, 2, rec.MaxInFlight("transform"))
	assert.Len(t, rec.SpansOf("transform"), 2)

	// Alone, a call waits for the timeout, then the gate stays open.
	f = NewFeaturizer(NewRecorder(), FeaturizerConfig{AwaitConcurrency: 2, AwaitTimeout: time.Millisecond})
	_, err := f.Transform(context.Background(), Record{ID: "solo"})
	require.NoError(t, err)
	_, err = f.Transform(context.Background(), Record{ID: "solo-2"})
	require.NoError(t, err)

	// A cancelled call leaves the gate.
	f = NewFeaturizer(NewRecorder(), FeaturizerConfig{AwaitConcurrency: 2, AwaitTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := f.Transform(ctx, Record{ID: "cancelled"})
		got <- err
	}()
	cancel()
	assert.ErrorIs(t, <-got, context.Canceled)
}

func TestSinkWritesAndEnforcesItsLimits(t *testing.T) {
	rec, backlog := NewRecorder(), &Backlog{}
	backlog.Extracted(3)
	s := NewSink(rec, backlog, SinkConfig{MaxBatch: 2, MaxConcurrent: 1, Latency: time.Millisecond})
	rows := []Row{{ID: "a"}, {ID: "b"}, {ID: "c"}}

	assert.ErrorIs(t, s.Write(context.Background(), rows), ErrSinkRefused, "3 rows, batch limit 2")
	require.NoError(t, s.Write(context.Background(), rows[:2]))
	require.NoError(t, s.Write(context.Background(), rows[1:]))
	assert.Equal(t, map[string]int{"a": 1, "b": 2, "c": 1}, s.Counts())
	assert.Len(t, s.Rows(), 3)
	assert.Equal(t, 2, s.Writes())
	assert.Equal(t, -1, backlog.Pending(), "b was loaded twice")
	assert.Equal(t, 3, backlog.Max())
	assert.Len(t, rec.SpansOf("sink"), 3)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.Write(ctx, rows[:1]), context.Canceled)
	assert.Len(t, rec.SpansOf("sink"), 3, "a write with a done ctx is not a call")

	busy := NewSink(NewRecorder(), nil, SinkConfig{MaxBatch: 2, MaxConcurrent: 0})
	assert.ErrorIs(t, busy.Write(context.Background(), rows[:1]), ErrSinkRefused, "beyond MaxConcurrent")
}

func TestSinkWriteHonoursContextAndLoadsNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := NewSink(NewRecorder(), nil, SinkConfig{MaxBatch: 4, MaxConcurrent: 1, Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() { got <- s.Write(ctx, []Row{{ID: "a"}}) }()
	cancel()
	err := <-got
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Empty(t, s.Counts())
}

func TestPeakOverlap(t *testing.T) {
	ms := time.Millisecond
	spans := []Span{
		{Resource: "a", Start: 0, End: 10 * ms},
		{Resource: "a", Start: 5 * ms, End: 15 * ms},
		{Resource: "a", Start: 10 * ms, End: 20 * ms}, // touches the first: no overlap
		{Resource: "b", Start: 6 * ms, End: 7 * ms},
	}
	assert.Equal(t, 3, PeakOverlap(spans, nil))
	assert.Equal(t, 2, PeakOverlap(spans, func(s Span) bool { return s.Resource == "a" }))
	assert.Equal(t, 0, PeakOverlap(nil, nil))
}
