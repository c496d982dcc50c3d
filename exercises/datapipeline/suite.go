package datapipeline

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/goleak"

	"github.com/asyncbook/asyncbook/exercises/simworld"
	"github.com/asyncbook/asyncbook/exercises/suite"
)

// Files holds the exercise's documents and code, for the workbook.
//
//go:embed README.md guide.md exercise.go solution.go
var Files embed.FS

// Info describes the exercise for the catalog.
var Info = suite.Info{
	Slug:    "data-pipeline",
	Dir:     "datapipeline",
	Title:   "Data pipeline",
	Order:   2,
	Summary: "Build an ETL pipeline that downloads from rate-limited HTTP sources, transforms on a worker pool and loads into a slow sink with bounded memory.",
	Patterns: []string{
		"producer-consumer with queues",
		"efficient I/O operations",
		"CPU-bound processing in worker pools",
		"throttling and backpressure",
		"concurrent API requests",
	},
	Files: Files,
}

// Suite returns the property suite every implementation is checked by: a
// fresh value on each call, so no code under test can swap its checks.
func Suite() suite.Suite[Impl] {
	return suite.Suite[Impl]{
		Exercise: "data-pipeline",
		Properties: []suite.Property[Impl]{
			{
				Name:        "exactly-once",
				Pattern:     "producer-consumer with queues",
				Description: "every record of every source is loaded exactly once, with the same row the sequential transform gives, despite transient 5xx failures",
				Check:       checkExactlyOnce,
			},
			{
				Name:        "retry-with-backoff",
				Pattern:     "efficient I/O operations",
				Description: "a page that fails with 5xx is retried, at most MaxAttempts times, and retry n starts at least Backoff<<(n-1) after the previous attempt ended",
				Check:       checkRetryBackoff,
			},
			{
				Name:        "source-rate-limit",
				Pattern:     "throttling and backpressure",
				Description: "no source ever gets more than its MaxConcurrent requests at once: zero 429 answers",
				Check:       checkRateLimit,
			},
			{
				Name:        "concurrent-downloads",
				Pattern:     "concurrent API requests",
				Description: "downloads overlap across sources: at least 3 requests in flight at once (4 sources allowing 2 each)",
				Concurrency: true,
				Check:       checkConcurrentDownloads,
			},
			{
				Name:        "transform-pool",
				Pattern:     "CPU-bound processing in worker pools",
				Description: "transforms run on a pool: at least 2 at once and never more than Workers",
				Concurrency: true,
				Check:       checkTransformPool,
			},
			{
				Name:        "backpressure",
				Pattern:     "throttling and backpressure",
				Description: "with a slow sink, never more than MaxPending records are extracted but not yet loaded: downloads wait for the sink",
				Check:       checkBackpressure,
			},
			{
				Name:        "error-propagation",
				Pattern:     "producer-consumer with queues",
				Description: "a permanent failure (404) is returned at once and stops the other downloads, transforms and writes",
				Check:       checkErrorPropagation,
			},
			{
				Name:        "cancellation",
				Pattern:     "efficient I/O operations",
				Description: "cancelling ctx while a page is backing off (4 s) returns context.Canceled within 2 s, starts no new request and leaves no transform or write running",
				Check:       checkCancellation,
			},
			{
				Name:        "cancelled-on-entry",
				Pattern:     "coordinating parallel workers",
				Description: "called with a ctx that is already cancelled, the pipeline returns ctx's error (not nil) without requesting a page or writing a row",
				Check:       checkCancelledOnEntry,
			},
			{
				Name:        "cancelled-between-dispatches",
				Pattern:     "coordinating parallel workers",
				Description: "when ctx is cancelled as a page arrives and no request is on the wire, the pipeline returns ctx's error (not nil, with records missing), requests no further page and leaves nothing running",
				Check:       checkCancelledBetweenDispatches,
			},
			{
				Name:        "no-leaked-goroutines",
				Pattern:     "producer-consumer with queues",
				Description: "no goroutine the pipeline started is still running after it returns, after success and after an error",
				Check:       checkNoLeaks,
			},
		},
	}
}

// The benchmark world. Its numbers give IdealSpeedup.
const (
	benchSources       = 4
	benchPages         = 16 // per source
	benchPageSize      = 16
	benchLimit         = 2  // concurrent requests per source
	benchLatencyMS     = 30 // per request
	benchSinkLatencyMS = 1  // per write
)

// IdealSpeedup is what the benchmark world allows. Sequentially every
// request and every write happen one after another:
//
//	sources × pages × (request + write) = 4 × 16 × (30 + 1) ms = 1984 ms.
//
// Concurrently the four sources download at once, each with at most 2
// requests in flight, so the critical path is pages/limit request rounds
// plus the last write (transforms and earlier writes overlap downloads):
//
//	16/2 × 30 ms + 1 ms = 241 ms, a speedup of 1984/241 ≈ 8.2.
const IdealSpeedup = float64(benchSources*benchPages*(benchLatencyMS+benchSinkLatencyMS)) /
	float64(benchPages/benchLimit*benchLatencyMS+benchSinkLatencyMS)

// Workload runs impl once on the benchmark world and checks that every
// record was transformed and loaded exactly once (by id: recomputing every row is the
// exactly-once property's job, and would add CPU time to the measurement).
func Workload(ctx context.Context, impl Impl) error {
	spec := worldSpec{
		sink:   simworld.SinkConfig{MaxBatch: 64, MaxConcurrent: 1, Latency: benchSinkLatencyMS * time.Millisecond},
		rounds: 100,
		cfg:    Config{Workers: 4, MaxPending: 256, MaxAttempts: 3, Backoff: 10 * time.Millisecond},
	}
	for i := range benchSources {
		spec.sources = append(spec.sources, simworld.SourceConfig{
			Name: fmt.Sprintf("bench-%d", i), Pages: benchPages, PageSize: benchPageSize,
			Latency: benchLatencyMS * time.Millisecond, MaxConcurrent: benchLimit,
		})
	}
	w, err := newWorld(spec)
	if err != nil {
		return err
	}
	defer w.close()
	if err := impl(ctx, w.in); err != nil {
		return fmt.Errorf("run pipeline: %w", err)
	}
	counts := w.in.Sink.Counts()
	transformed := map[string]bool{}
	for _, s := range w.rec.SpansOf("transform") {
		if s.Err == "" {
			transformed[s.Label] = true
		}
	}
	for _, s := range w.servers {
		for _, r := range s.Records() {
			if n := counts[r.ID]; n != 1 {
				return fmt.Errorf("wrong result: record %s loaded %d times", r.ID, n)
			}
			if !transformed[r.ID] {
				return fmt.Errorf("wrong result: record %s loaded but never transformed by the Featurizer", r.ID)
			}
		}
	}
	return nil
}

// worldSpec describes a simulated world for one property.
type worldSpec struct {
	sources []simworld.SourceConfig
	sink    simworld.SinkConfig
	rounds  int
	feat    simworld.FeaturizerConfig // Rounds is taken from rounds
	cfg     Config
}

// world is a running simulated world: source servers, featurizer, sink.
type world struct {
	spec      worldSpec
	rec       *simworld.Recorder
	backlog   *simworld.Backlog
	servers   []*simworld.SourceServer
	transport *http.Transport
	watch     *watcher
	in        Input
}

// watcher wraps the world client's transport to see what the pipeline
// sees: it counts the error answers whose body the pipeline has closed,
// which is the moment it decides whether to back off.
type watcher struct {
	base http.RoundTripper

	mu      sync.Mutex
	closed  int           // error answers read and closed by the pipeline
	changed chan struct{} // closed and replaced when closed grows
	pages   int           // 200 answers read and closed by the pipeline
	firstAt time.Duration // when the first error answer was closed
	now     func() time.Duration
	onPage  map[int]func()
	// sent records every request in the goroutine that sent it (a client
	// calls RoundTrip in the caller's), so a property can place it; its
	// resource is the source's name, its error the answer's status.
	sent    *simworld.Recorder
	sources map[string]string // host → source name
}

func (t *watcher) RoundTrip(req *http.Request) (*http.Response, error) {
	end := t.sent.Begin(t.sources[req.URL.Host], req.URL.RawQuery)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		end(err)
		return resp, err
	}
	if resp.StatusCode != http.StatusOK {
		end(fmt.Errorf("%d", resp.StatusCode))
	} else {
		end(nil)
	}
	if resp.StatusCode == http.StatusOK {
		resp.Body = &watchedBody{ReadCloser: resp.Body, onClose: t.notePage}
		return resp, nil
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, onClose: t.noteClosed}
	return resp, nil
}

// firstClosedAt returns when the pipeline closed its first error answer.
func (t *watcher) firstClosedAt() (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.firstAt, t.closed > 0
}

// afterPage makes the n-th page the pipeline has read in full call fn, as
// the pipeline closes its body: the page is in the pipeline's hands and no
// request of it is on the wire.
func (t *watcher) afterPage(n int, fn func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.onPage == nil {
		t.onPage = map[int]func(){}
	}
	t.onPage[n] = fn
}

func (t *watcher) notePage() {
	t.mu.Lock()
	t.pages++
	fn := t.onPage[t.pages]
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (t *watcher) noteClosed() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed == 0 {
		t.firstAt = t.now()
	}
	t.closed++
	close(t.changed)
	t.changed = make(chan struct{})
}

// awaitClosedErrors blocks until the pipeline has closed n error answers.
func (t *watcher) awaitClosedErrors(ctx context.Context, n int) error {
	for {
		t.mu.Lock()
		ok, changed := t.closed >= n, t.changed
		t.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for the pipeline to read %d error answers: %w", n, ctx.Err())
		}
	}
}

type watchedBody struct {
	io.ReadCloser
	once    sync.Once
	onClose func()
}

func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.onClose)
	return err
}

func newWorld(spec worldSpec) (*world, error) {
	w := &world{spec: spec, rec: simworld.NewRecorder(), backlog: &simworld.Backlog{}}
	// A client of its own, with enough idle connections per host to reuse
	// one per concurrent request (the default keeps only 2).
	w.transport = &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}
	for _, sc := range spec.sources {
		s, err := simworld.StartSource(sc, w.rec, w.backlog)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("build world: %w", err)
		}
		w.servers = append(w.servers, s)
		w.in.Sources = append(w.in.Sources, Source{
			Name: sc.Name, URL: s.URL(), Pages: sc.Pages, PageSize: sc.PageSize, MaxConcurrent: sc.MaxConcurrent,
		})
	}
	fc := spec.feat
	fc.Rounds = spec.rounds
	w.watch = &watcher{base: w.transport, changed: make(chan struct{}), now: w.rec.Now, sent: w.rec.Sibling(), sources: map[string]string{}}
	for _, s := range w.servers {
		if u, err := url.Parse(s.URL()); err == nil {
			w.watch.sources[u.Host] = s.Name()
		}
	}
	w.in.Client = &http.Client{Transport: w.watch}
	w.in.Featurizer = simworld.NewFeaturizer(w.rec, fc)
	w.in.Sink = simworld.NewSink(w.rec, w.backlog, spec.sink)
	w.in.Config = spec.cfg
	return w, nil
}

// close stops the servers (waiting for their handlers) and drops the
// client's idle connections, so no goroutine of the world outlives it.
func (w *world) close() {
	for _, s := range w.servers {
		_ = s.Close()
	}
	w.transport.CloseIdleConnections()
}

// server returns the source server named name.
func (w *world) server(name string) *simworld.SourceServer {
	for _, s := range w.servers {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// verify compares the sink with the expected rows: every record once, with
// the row Featurize gives.
func (w *world) verify() (string, bool) {
	counts, rows := w.in.Sink.Counts(), w.in.Sink.Rows()
	// simworld.Featurize computes a row without the Featurizer: every row
	// loaded must come from a Transform that succeeded, the step whose
	// concurrency the transform pool bounds.
	transformed := map[string]bool{}
	for _, s := range w.rec.SpansOf("transform") {
		if s.Err == "" {
			transformed[s.Label] = true
		}
	}
	var missing, dup, wrong, untransformed, total int
	var example []string
	note := func(s string) {
		if len(example) < 3 {
			example = append(example, s)
		}
	}
	expected := map[string]bool{}
	for _, s := range w.servers {
		for _, r := range s.Records() {
			total++
			expected[r.ID] = true
			switch n := counts[r.ID]; {
			case n == 0:
				missing++
				note(r.ID + " missing")
			case n > 1:
				dup++
				note(fmt.Sprintf("%s loaded %d times", r.ID, n))
			}
			if got, ok := rows[r.ID]; ok && got != simworld.Featurize(r, w.spec.rounds) {
				wrong++
				note(r.ID + " has a wrong row")
			} else if ok && !transformed[r.ID] {
				untransformed++
				note(r.ID + " was loaded but never transformed by the Featurizer")
			}
		}
	}
	unexpected := 0
	for id := range counts {
		if !expected[id] {
			unexpected++
			note(id + " is not a source record")
		}
	}
	summary := fmt.Sprintf("%d of %d records loaded exactly once; %d missing, %d duplicated, %d wrong, %d unexpected",
		total-missing-dup, total, missing, dup, wrong, unexpected)
	if untransformed > 0 {
		summary += fmt.Sprintf(", %d never transformed", untransformed)
	}
	if len(example) > 0 {
		summary += " (" + strings.Join(example, ", ") + ")"
	}
	return summary, missing+dup+wrong+unexpected+untransformed == 0
}

// retries counts the requests that were retries of a page.
func (w *world) retries() int {
	n := 0
	for _, s := range w.servers {
		for _, r := range s.Log() {
			if r.Attempt > 1 {
				n++
			}
		}
	}
	return n
}

// code is the implementation under test, as Where finds it: the exercise's
// own files (its API, and the watcher in this file) are not.
func code(impl Impl) suite.Code { return suite.CodeOf(impl, "types.go", "suite.go") }

// sentAfter places the page requests the pipeline sent after t (why
// says what happened then: "ctx was cancelled").
func (w *world) sentAfter(impl Impl, t time.Duration, why string) []suite.Location {
	return code(impl).Calls(w.watch.sent.CallsAfter(t), func(c simworld.Call) string {
		return fmt.Sprintf("request for %s of source %s sent %s %s", c.Label, c.Resource, suite.Since(c, t), why)
	})
}

// running places the transforms and writes running as impl returned.
func running(impl Impl, calls []simworld.Call) []suite.Location {
	var run []simworld.Call
	for _, c := range calls {
		if c.Running && (c.Resource == "transform" || c.Resource == "sink") {
			run = append(run, c)
		}
	}
	return code(impl).Calls(run, func(c simworld.Call) string {
		return fmt.Sprintf("%s (%s) still running when the pipeline returned", c.Resource, c.Label)
	})
}

// result formats an implementation's error for Observed.
func result(err error) string {
	if err == nil {
		return "returned nil"
	}
	return "returned error: " + err.Error()
}

// outcome returns an outcome with the world's timeline.
func (w *world) outcome(pass bool, format string, args ...any) suite.Outcome {
	return suite.Outcome{Pass: pass, Observed: fmt.Sprintf(format, args...), Timeline: w.rec.Spans()}
}

// transient fails pages whose number is p mod m == r on their first n attempts.
func transient(m, r, n, status int) func(page, attempt int) int {
	return func(page, attempt int) int {
		if page%m == r && attempt <= n {
			return status
		}
		return 0
	}
}

func checkExactlyOnce(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		sources: []simworld.SourceConfig{
			{Name: "clicks", Pages: 8, PageSize: 8, Latency: 3 * time.Millisecond, MaxConcurrent: 2, Fail: transient(4, 1, 1, http.StatusServiceUnavailable)},
			{Name: "queries", Pages: 6, PageSize: 10, Latency: 4 * time.Millisecond, MaxConcurrent: 3, Fail: transient(6, 2, 2, http.StatusInternalServerError)},
			{Name: "docs", Pages: 10, PageSize: 6, Latency: 2 * time.Millisecond, MaxConcurrent: 1},
		},
		sink:   simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 2, Latency: time.Millisecond, PerRow: 20 * time.Microsecond},
		rounds: 50,
		cfg:    Config{Workers: 4, MaxPending: 64, MaxAttempts: 4, Backoff: 2 * time.Millisecond},
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	summary, ok := w.verify()
	return w.outcome(runErr == nil && ok, "%s; %s; %d retried requests", result(runErr), summary, w.retries())
}

func checkRetryBackoff(ctx context.Context, impl Impl) suite.Outcome {
	const backoff = 8 * time.Millisecond
	w, err := newWorld(worldSpec{
		sources: []simworld.SourceConfig{
			{Name: "flaky-a", Pages: 6, PageSize: 4, Latency: 2 * time.Millisecond, MaxConcurrent: 2, Fail: transient(2, 0, 2, http.StatusServiceUnavailable)},
			{Name: "flaky-b", Pages: 4, PageSize: 4, Latency: 2 * time.Millisecond, MaxConcurrent: 2, Fail: transient(4, 1, 3, http.StatusBadGateway)},
		},
		sink:   simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds: 10,
		cfg:    Config{Workers: 2, MaxPending: 32, MaxAttempts: 4, Backoff: backoff},
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	summary, ok := w.verify()

	// For every retry, the gap between the previous attempt's end and its
	// start, as the source saw them.
	shortest := map[int]time.Duration{} // retry number → shortest gap
	var violations []string
	retries, tooMany := 0, 0
	for _, s := range w.servers {
		byPage := map[int][]simworld.SourceRequest{}
		for _, r := range s.Log() {
			if r.Attempt > 0 {
				byPage[r.Page] = append(byPage[r.Page], r)
			}
		}
		for page, reqs := range byPage {
			sort.Slice(reqs, func(i, j int) bool { return reqs[i].Attempt < reqs[j].Attempt })
			if len(reqs) > w.in.MaxAttempts {
				tooMany++
			}
			for i := 1; i < len(reqs); i++ {
				retries++
				n := reqs[i].Attempt - 1 // retry number
				gap := reqs[i].Start - reqs[i-1].End
				if d, seen := shortest[n]; !seen || gap < d {
					shortest[n] = gap
				}
				if want := backoff << (n - 1); gap < want {
					violations = append(violations, fmt.Sprintf("%s page %d retry %d after %v (min %v)", s.Name(), page, n, gap.Round(10*time.Microsecond), want))
				}
			}
		}
	}
	var waits []string
	for n := 1; n <= len(shortest); n++ {
		waits = append(waits, fmt.Sprintf("retry %d after >= %v (min %v)", n, shortest[n].Round(100*time.Microsecond), backoff<<(n-1)))
	}
	obs := fmt.Sprintf("%s; %s; %d retries: %s", result(runErr), summary, retries, strings.Join(waits, ", "))
	if len(violations) > 0 {
		obs += "; too early: " + strings.Join(violations[:min(3, len(violations))], "; ")
	}
	if tooMany > 0 {
		obs += fmt.Sprintf("; %d pages requested more than MaxAttempts=%d times", tooMany, w.in.MaxAttempts)
	}
	pass := runErr == nil && ok && retries > 0 && len(violations) == 0 && tooMany == 0
	return w.outcome(pass, "%s", obs)
}

func checkRateLimit(ctx context.Context, impl Impl) suite.Outcome {
	w, err := newWorld(worldSpec{
		sources: []simworld.SourceConfig{
			{Name: "one", Pages: 8, PageSize: 4, Latency: 4 * time.Millisecond, MaxConcurrent: 1},
			{Name: "two", Pages: 10, PageSize: 4, Latency: 4 * time.Millisecond, MaxConcurrent: 2},
			{Name: "three", Pages: 12, PageSize: 4, Latency: 4 * time.Millisecond, MaxConcurrent: 3},
		},
		sink:   simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds: 10,
		cfg:    Config{Workers: 3, MaxPending: 64, MaxAttempts: 4, Backoff: 2 * time.Millisecond},
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	rejected := 0
	var peaks []string
	for _, s := range w.servers {
		rejected += s.Rejected()
		peaks = append(peaks, fmt.Sprintf("%s %d/%d", s.Name(), s.MaxInFlight(), s.Config().MaxConcurrent))
	}
	o := w.outcome(runErr == nil && rejected == 0, "%s; peak requests served at once per source: %s; %d refused with 429",
		result(runErr), strings.Join(peaks, ", "), rejected)
	if rejected > 0 {
		limit := map[string]int{}
		for _, s := range w.in.Sources {
			limit[s.Name] = s.MaxConcurrent
		}
		var refused []simworld.Call
		for _, c := range w.watch.sent.Calls() {
			if c.Err == fmt.Sprint(http.StatusTooManyRequests) {
				refused = append(refused, c)
			}
		}
		o.Where = code(impl).Calls(refused, func(c simworld.Call) string {
			return fmt.Sprintf("request for %s refused with 429: more than MaxConcurrent=%d in flight on source %s", c.Label, limit[c.Resource], c.Resource)
		})
	}
	return o
}

func checkConcurrentDownloads(ctx context.Context, impl Impl) suite.Outcome {
	spec := worldSpec{
		sink:   simworld.SinkConfig{MaxBatch: 32, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds: 10,
		cfg:    Config{Workers: 4, MaxPending: 128, MaxAttempts: 4, Backoff: 2 * time.Millisecond},
	}
	for _, name := range []string{"s3", "gcs", "api", "db"} {
		spec.sources = append(spec.sources, simworld.SourceConfig{Name: name, Pages: 6, PageSize: 4, Latency: 10 * time.Millisecond, MaxConcurrent: 2})
	}
	w, err := newWorld(spec)
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	peak := simworld.PeakOverlap(w.rec.Spans(), func(s simworld.Span) bool {
		return strings.HasPrefix(s.Resource, "source/") && s.Err == ""
	})
	const need = 3
	return w.outcome(runErr == nil && peak >= need, "%s; peak %d requests in flight across 4 sources (need >= %d; each source allows 2)",
		result(runErr), peak, need)
}

func checkTransformPool(ctx context.Context, impl Impl) suite.Outcome {
	const workers = 3
	w, err := newWorld(worldSpec{
		sources: []simworld.SourceConfig{
			{Name: "a", Pages: 4, PageSize: 8, Latency: 2 * time.Millisecond, MaxConcurrent: 2},
			{Name: "b", Pages: 4, PageSize: 8, Latency: 2 * time.Millisecond, MaxConcurrent: 2},
		},
		sink:   simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds: 50,
		// Hold the first transforms until one more than Workers run at
		// once, or 300ms: a bounded pool then shows exactly Workers at once,
		// an unbounded one more, a sequential one 1, whatever the scheduler.
		feat: simworld.FeaturizerConfig{AwaitConcurrency: workers + 1, AwaitTimeout: 300 * time.Millisecond},
		cfg:  Config{Workers: workers, MaxPending: 64, MaxAttempts: 4, Backoff: 2 * time.Millisecond},
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	peak := w.rec.MaxInFlight("transform")
	summary, ok := w.verify()
	o := w.outcome(runErr == nil && ok && peak >= 2 && peak <= workers,
		"%s; peak %d transforms at once (need 2..%d, Workers=%d); %s", result(runErr), peak, workers, workers, summary)
	if peak > workers {
		var over []simworld.Call
		for _, c := range w.rec.Calls() {
			if c.Resource == "transform" && c.InFlight > workers {
				over = append(over, c)
			}
		}
		o.Where = code(impl).Calls(over, func(c simworld.Call) string {
			return fmt.Sprintf("%s transform at once (Workers=%d)", suite.Ordinal(c.InFlight), workers)
		})
	}
	return o
}

func checkBackpressure(ctx context.Context, impl Impl) suite.Outcome {
	const maxPending = 40
	spec := worldSpec{
		// Fast sources, slow sink: a pipeline that does not wait for the
		// sink would extract everything long before it is loaded.
		sink:   simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: 10 * time.Millisecond},
		rounds: 10,
		cfg:    Config{Workers: 3, MaxPending: maxPending, MaxAttempts: 4, Backoff: 2 * time.Millisecond},
	}
	for _, name := range []string{"fast-a", "fast-b", "fast-c"} {
		spec.sources = append(spec.sources, simworld.SourceConfig{Name: name, Pages: 12, PageSize: 8, Latency: 2 * time.Millisecond, MaxConcurrent: 2})
	}
	w, err := newWorld(spec)
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	summary, ok := w.verify()
	peak := w.backlog.Max()
	return w.outcome(runErr == nil && ok && peak <= maxPending,
		"%s; peak %d records extracted but not loaded (MaxPending %d; all %d records in the world); %s",
		result(runErr), peak, maxPending, 3*12*8, summary)
}

// bigSources are two sources that take seconds to download even
// concurrently, so that an implementation that does not stop is obvious.
func bigSources() []simworld.SourceConfig {
	return []simworld.SourceConfig{
		{Name: "big-a", Pages: 400, PageSize: 4, Latency: 20 * time.Millisecond, MaxConcurrent: 2},
		{Name: "big-b", Pages: 400, PageSize: 4, Latency: 20 * time.Millisecond, MaxConcurrent: 2},
	}
}

// stopped checks what a stopped pipeline left behind: requests that
// reached a source after the moment it knew to stop, and transforms or
// writes still running when impl returned. A request already on its way
// then may still arrive, one per fetcher slot (the sum of the sources'
// MaxConcurrent); that is a count, not a time, so a loaded machine that
// delivers them late changes nothing.
// tooLate says whether more requests than that margin reached a source late.
func (w *world) stopped(stop time.Duration, inFlightAtReturn int) (report string, ok, tooLate bool) {
	late, margin := 0, 0
	for _, src := range w.in.Sources {
		margin += src.MaxConcurrent
	}
	for _, s := range w.rec.Spans() {
		if strings.HasPrefix(s.Resource, "source/") && s.Start > stop {
			late++
		}
	}
	return fmt.Sprintf("%d requests reached a source after it (allowed: %d, one per fetcher slot already sending); %d transforms or writes running at return",
		late, margin, inFlightAtReturn), late <= margin && inFlightAtReturn == 0, late > margin
}

func checkErrorPropagation(ctx context.Context, impl Impl) suite.Outcome {
	w, err := errorWorld(400)
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runErr := impl(ctx, w.in)
	returned := w.rec.Now()
	inFlight := w.rec.InFlight("transform") + w.rec.InFlight("sink")
	atReturn := w.rec.Calls()
	failedAt := time.Duration(-1)
	for _, r := range w.server("broken").Log() {
		if r.Status == http.StatusNotFound {
			failedAt = r.End
			break
		}
	}
	if failedAt < 0 {
		return w.outcome(false, "%s; the failing page was never requested", result(runErr))
	}
	var se *StatusError
	isNotFound := errors.As(runErr, &se) && se.Code == http.StatusNotFound
	// The pipeline knows to stop once it has read the 404 (it closes the
	// body): count from then.
	knewAt := failedAt
	if at, ok := w.watch.firstClosedAt(); ok {
		knewAt = at
	}
	report, stopped, late := w.stopped(knewAt, inFlight)
	const bound = 2 * time.Second
	took := returned - failedAt
	o := w.outcome(isNotFound && stopped && took < bound,
		"%s (want the 404 *StatusError, wrapped); returned %v after the 404 (bound %v; finishing would take ~4s); %s",
		result(runErr), took.Round(time.Millisecond), bound, report)
	if late {
		o.Where = w.sentAfter(impl, knewAt, "the pipeline read the 404")
	}
	if inFlight > 0 {
		o.Where = append(o.Where, running(impl, atReturn)...)
	}
	return o
}

// errorWorld has a source whose page 1 is gone (404, not worth retrying)
// next to two big sources.
func errorWorld(bigPages int) (*world, error) {
	srcs := []simworld.SourceConfig{{Name: "broken", Pages: 4, PageSize: 4, Latency: 2 * time.Millisecond, MaxConcurrent: 2,
		Fail: func(page, _ int) int {
			if page == 1 {
				return http.StatusNotFound
			}
			return 0
		}}}
	for _, s := range bigSources() {
		s.Pages = bigPages
		srcs = append(srcs, s)
	}
	return newWorld(worldSpec{
		sources: srcs,
		sink:    simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds:  10,
		cfg:     Config{Workers: 3, MaxPending: 64, MaxAttempts: 4, Backoff: 5 * time.Millisecond},
	})
}

func checkCancellation(ctx context.Context, impl Impl) suite.Outcome {
	srcs := append([]simworld.SourceConfig{{Name: "down", Pages: 4, PageSize: 4, Latency: 2 * time.Millisecond, MaxConcurrent: 1,
		Fail: func(int, int) int { return http.StatusServiceUnavailable }}}, bigSources()...)
	w, err := newWorld(worldSpec{
		sources: srcs,
		sink:    simworld.SinkConfig{MaxBatch: 16, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds:  10,
		// A 4 s backoff: an implementation whose backoff ignores ctx
		// cannot return within the 2 s bound.
		cfg: Config{Workers: 3, MaxPending: 64, MaxAttempts: 5, Backoff: 4 * time.Second},
	})
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ret struct {
		err      error
		at       time.Duration
		inFlight int
		calls    []simworld.Call
	}
	done := make(chan ret, 1) // buffered: the run never blocks on reporting
	go func() {
		err := impl(runCtx, w.in)
		done <- ret{err, w.rec.Now(), w.rec.InFlight("transform") + w.rec.InFlight("sink"), w.rec.Calls()}
	}()
	// Cancel once the pipeline has read the failing source's 503: it is
	// then deciding to back off, or backing off. (Cancel anyway after 10 s.)
	awaitCtx, stopWaiting := context.WithTimeout(ctx, 10*time.Second)
	awaitErr := w.watch.awaitClosedErrors(awaitCtx, 1)
	stopWaiting()
	cancelledAt := w.rec.Now()
	cancel()
	r := <-done
	if awaitErr != nil {
		return w.outcome(false, "%s; the pipeline never read the failing source's 503 (%v)", result(r.err), awaitErr)
	}
	const bound = 2 * time.Second
	took := r.at - cancelledAt
	report, stopped, late := w.stopped(cancelledAt, r.inFlight)
	o := w.outcome(errors.Is(r.err, context.Canceled) && stopped && took < bound,
		"%s (want context.Canceled); returned %v after cancel (bound %v; the backoff is 4s); %s",
		result(r.err), took.Round(time.Millisecond), bound, report)
	if late {
		o.Where = w.sentAfter(impl, cancelledAt, "ctx was cancelled")
	}
	if r.inFlight > 0 {
		o.Where = append(o.Where, running(impl, r.calls)...)
	}
	return o
}

// cancelWorld is one slow source behind a fast pipeline: one request at a
// time, so between two pages nothing of that source is on the wire.
func cancelWorld() (*world, error) {
	return newWorld(worldSpec{
		sources: []simworld.SourceConfig{{Name: "one", Pages: 12, PageSize: 4, Latency: 2 * time.Millisecond, MaxConcurrent: 1}},
		sink:    simworld.SinkConfig{MaxBatch: 8, MaxConcurrent: 1, Latency: time.Millisecond},
		rounds:  10,
		cfg:     Config{Workers: 2, MaxPending: 16, MaxAttempts: 3, Backoff: 2 * time.Millisecond},
	})
}

func checkCancelledOnEntry(ctx context.Context, impl Impl) suite.Outcome {
	w, err := cancelWorld()
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runCtx, cancel := context.WithCancel(ctx)
	cancel() // the caller gave up before the call
	runErr := impl(runCtx, w.in)
	inFlight := w.rec.InFlight("transform") + w.rec.InFlight("sink")
	calls := w.rec.Calls()
	requests := len(w.server("one").Log())
	writes := w.in.Sink.Writes()
	pass := errors.Is(runErr, context.Canceled) && requests == 0 && writes == 0 && inFlight == 0
	o := w.outcome(pass, "ctx cancelled before the call: %s (want context.Canceled); %d page requests reached the source, %d sink writes, %d transforms or writes running at return (want none)",
		result(runErr), requests, writes, inFlight)
	if requests > 0 {
		o.Where = w.sentAfter(impl, -1, "")
		for i := range o.Where {
			o.Where[i].Note = strings.Replace(o.Where[i].Note, " sent ", " sent although ctx was cancelled before the call", 1)
		}
	}
	var work []simworld.Call
	for _, c := range calls {
		if c.Resource == "transform" || c.Resource == "sink" {
			work = append(work, c)
		}
	}
	if writes > 0 || inFlight > 0 {
		o.Where = append(o.Where, code(impl).Calls(work, func(c simworld.Call) string {
			return fmt.Sprintf("%s (%s) called although ctx was cancelled before the call", c.Resource, c.Label)
		})...)
	}
	return o
}

// betweenDispatchesAfter is the page at whose arrival the caller cancels.
const betweenDispatchesAfter = 3

func checkCancelledBetweenDispatches(ctx context.Context, impl Impl) suite.Outcome {
	w, err := cancelWorld()
	if err != nil {
		return suite.Outcome{Observed: err.Error()}
	}
	defer w.close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cancelledAt := time.Duration(-1)
	w.watch.afterPage(betweenDispatchesAfter, func() {
		cancelledAt = w.rec.Now()
		cancel()
	})
	runErr := impl(runCtx, w.in)
	inFlight := w.rec.InFlight("transform") + w.rec.InFlight("sink")
	calls := w.rec.Calls()
	if cancelledAt < 0 {
		return w.outcome(false, "%s; the pipeline read fewer than %d pages, and the cancel comes with page %d", result(runErr), betweenDispatchesAfter, betweenDispatchesAfter)
	}
	summary, complete := w.verify()
	// Nothing of the source was on the wire at the cancel, so no request
	// may reach it afterwards.
	late := 0
	for _, sp := range w.rec.SpansOf(w.server("one").Resource()) {
		if sp.Start > cancelledAt {
			late++
		}
	}
	report := fmt.Sprintf("%d page requests reached the source after the cancel; %d transforms or writes running at return", late, inFlight)
	pass := errors.Is(runErr, context.Canceled) && late == 0 && inFlight == 0
	if runErr == nil && !complete {
		summary = "a caller that checks only the error would take this for a full load: " + summary
	}
	o := w.outcome(pass, "ctx cancelled as page %d of %d arrived: %s (want context.Canceled); %s; %s",
		betweenDispatchesAfter, w.in.Sources[0].Pages, result(runErr), report, summary)
	if late > 0 {
		o.Where = w.sentAfter(impl, cancelledAt, "ctx was cancelled")
	}
	if inFlight > 0 {
		o.Where = append(o.Where, running(impl, calls)...)
	}
	return o
}

func checkNoLeaks(ctx context.Context, impl Impl) suite.Outcome {
	var notes []string
	var where []suite.Location
	pass := true
	// A failing run is where goroutines get stranded: senders nobody
	// receives from, fetchers waiting for credit nobody returns.
	for _, run := range []struct {
		name  string
		world func() (*world, error)
	}{
		{"after a failed run", func() (*world, error) { return errorWorld(60) }},
		{"after a successful run", func() (*world, error) {
			return newWorld(worldSpec{
				sources: []simworld.SourceConfig{
					{Name: "a", Pages: 6, PageSize: 6, Latency: 2 * time.Millisecond, MaxConcurrent: 2, Fail: transient(3, 1, 1, http.StatusServiceUnavailable)},
					{Name: "b", Pages: 6, PageSize: 6, Latency: 2 * time.Millisecond, MaxConcurrent: 3},
				},
				sink:   simworld.SinkConfig{MaxBatch: 8, MaxConcurrent: 1, Latency: time.Millisecond},
				rounds: 10,
				cfg:    Config{Workers: 3, MaxPending: 24, MaxAttempts: 3, Backoff: 2 * time.Millisecond},
			})
		}},
	} {
		before := goleak.IgnoreCurrent()
		w, err := run.world()
		if err != nil {
			return suite.Outcome{Observed: err.Error()}
		}
		runErr := impl(ctx, w.in)
		w.close() // the world's own goroutines end here
		if err := goleak.Find(before); err != nil {
			pass = false
			where = append(where, code(impl).Leaked(err)...)
			notes = append(notes, fmt.Sprintf("%s (%s): %v", run.name, result(runErr), err))
		} else {
			notes = append(notes, fmt.Sprintf("%s (%s): none left", run.name, result(runErr)))
		}
	}
	return suite.Outcome{Pass: pass, Observed: strings.Join(notes, "; "), Where: where}
}
