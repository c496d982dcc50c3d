package simworld

// This file is the data-pipeline world: upstream data sources served by real
// HTTP servers on 127.0.0.1, a CPU-bound featurizer, a sink with a bounded
// write rate, and a backlog that measures how many records are extracted but
// not yet loaded.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/bits"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Record is one raw record a source serves, one JSON object per line.
type Record struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Text   string `json:"text"`
}

// FeatureDim is the number of hashed feature buckets in a Row.
const FeatureDim = 32

// Row is a transformed record, as loaded into the sink.
type Row struct {
	ID       string
	Source   string
	Tokens   int                // words in the record's text
	Features [FeatureDim]uint32 // hashed unigram and bigram counts
	Digest   uint64             // a checksum of the features after mixing rounds
}

// SourceConfig describes a simulated data source.
type SourceConfig struct {
	Name     string
	Pages    int           // pages 0..Pages-1
	PageSize int           // records per page
	Latency  time.Duration // per accepted request
	// MaxConcurrent is the source's documented limit: a request arriving
	// while MaxConcurrent requests are being served gets 429 Too Many
	// Requests with a Retry-After header, at once.
	MaxConcurrent int
	// RetryAfter is advertised on 429 answers, rounded up to whole seconds
	// as HTTP requires; zero means one second.
	RetryAfter time.Duration
	// Fail, when set, is asked for every accepted request (attempt counts
	// from 1 per page) and returns the HTTP status to fail it with, or 0 to
	// serve the page. It must be deterministic; tests also use it as a hook.
	Fail func(page, attempt int) int
}

// SourceRequest is one request a source received, on its recorder's clock.
type SourceRequest struct {
	Page    int
	Attempt int // 1-based among this page's accepted requests; 0 when rejected with 429
	Status  int // the HTTP status answered; 0 if the client went away first
	Records int // records served
	Start   time.Duration
	End     time.Duration
}

// SourceServer is a simulated data source: a real HTTP server on a loopback
// port serving pages of JSON-lines records at GET <URL>/pages/<n>. Every
// request is recorded on the recorder as a span on "source/<name>". The
// server is owned by whoever started it, who must Close it.
type SourceServer struct {
	cfg     SourceConfig
	rec     *Recorder
	backlog *Backlog
	srv     *http.Server
	url     string
	closing context.Context    // the handlers' base context, done once Close began
	stop    context.CancelFunc // cancels closing
	served  chan struct{}      // closed when the Serve goroutine returned

	mu       sync.Mutex
	inFlight int
	maxIn    int
	attempts map[int]int
	log      []SourceRequest
	changed  chan struct{} // closed and replaced whenever log grows
}

// StartSource starts a source on 127.0.0.1 with an ephemeral port. backlog
// may be nil; when set, the records of every page served are counted as
// extracted on it.
func StartSource(cfg SourceConfig, rec *Recorder, backlog *Backlog) (*SourceServer, error) {
	if cfg.Name == "" || cfg.Pages < 0 || cfg.PageSize <= 0 || cfg.MaxConcurrent <= 0 {
		return nil, fmt.Errorf("start source %q: need a name, pages >= 0, page size > 0 and max concurrent > 0", cfg.Name)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start source %q: listen: %w", cfg.Name, err)
	}
	base, stop := context.WithCancel(context.Background())
	s := &SourceServer{
		cfg:      cfg,
		rec:      rec,
		backlog:  backlog,
		url:      "http://" + ln.Addr().String(),
		closing:  base,
		stop:     stop,
		served:   make(chan struct{}),
		attempts: map[int]int{},
		changed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pages/{page}", s.handlePage)
	s.srv = &http.Server{
		Handler:           mux,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// Name returns the source's name.
func (s *SourceServer) Name() string { return s.cfg.Name }

// URL returns the source's base URL, "http://127.0.0.1:<port>".
func (s *SourceServer) URL() string { return s.url }

// Config returns the source's configuration.
func (s *SourceServer) Config() SourceConfig { return s.cfg }

// Resource returns the recorder resource the source's requests are recorded on.
func (s *SourceServer) Resource() string { return "source/" + s.cfg.Name }

// Close stops the server: it cancels the requests being served, waits for
// their handlers to return and for the serving goroutine to end.
func (s *SourceServer) Close() error {
	s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.served
	if err != nil {
		return fmt.Errorf("close source %q: %w", s.cfg.Name, err)
	}
	return nil
}

// Records returns every record the source serves, in page order.
func (s *SourceServer) Records() []Record {
	out := make([]Record, 0, s.cfg.Pages*s.cfg.PageSize)
	for p := range s.cfg.Pages {
		out = append(out, s.page(p)...)
	}
	return out
}

// Log returns the requests the source has answered so far, in arrival order.
func (s *SourceServer) Log() []SourceRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SourceRequest(nil), s.log...)
}

// Rejected returns how many requests were refused with 429.
func (s *SourceServer) Rejected() int {
	n := 0
	for _, r := range s.Log() {
		if r.Status == http.StatusTooManyRequests && r.Attempt == 0 {
			n++
		}
	}
	return n
}

// MaxInFlight returns the most requests the source accepted at once
// (requests refused with 429 are not counted).
func (s *SourceServer) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIn
}

// InFlight returns how many accepted requests the source is serving now.
func (s *SourceServer) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Await blocks until cond holds for the source's request log, or ctx is done.
// Tests use it to act at a given moment (after the first failure, say)
// without sleeping.
func (s *SourceServer) Await(ctx context.Context, what string, cond func([]SourceRequest) bool) error {
	return s.await(ctx, what, func() bool { return cond(s.log) })
}

// AwaitInFlight blocks until the source is serving at least n accepted
// requests at once, or ctx is done.
func (s *SourceServer) AwaitInFlight(ctx context.Context, n int) error {
	return s.await(ctx, fmt.Sprintf("%d requests in flight", n), func() bool { return s.inFlight >= n })
}

// await waits until cond, evaluated with s.mu held, is true.
func (s *SourceServer) await(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %s on source %q: %w", what, s.cfg.Name, ctx.Err())
		}
	}
}

// notifyLocked wakes the waiters of await; s.mu must be held.
func (s *SourceServer) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// handlePage serves one page, or refuses it when the source is at its limit.
func (s *SourceServer) handlePage(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.PathValue("page"))
	if err != nil || page < 0 || page >= s.cfg.Pages {
		http.Error(w, "no such page", http.StatusNotFound)
		return
	}
	end := s.rec.Begin(s.Resource(), fmt.Sprintf("page %d", page))
	req := SourceRequest{Page: page, Start: s.rec.Now()}

	s.mu.Lock()
	if s.inFlight >= s.cfg.MaxConcurrent {
		s.mu.Unlock()
		req.Status = http.StatusTooManyRequests
		s.finish(req, end)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(s.cfg.RetryAfter)))
		http.Error(w, "too many concurrent requests", http.StatusTooManyRequests)
		return
	}
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	s.attempts[page]++
	req.Attempt = s.attempts[page]
	s.notifyLocked()
	s.mu.Unlock()
	release := func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}

	if err := Sleep(r.Context(), s.cfg.Latency); err != nil {
		release()
		if s.closing.Err() != nil {
			// The server is closing: say so rather than answer an empty 200.
			req.Status = http.StatusServiceUnavailable
			s.finish(req, end)
			http.Error(w, "source closing", http.StatusServiceUnavailable)
			return
		}
		s.finish(req, end) // status 0: the client went away
		return
	}
	status := 0
	if s.cfg.Fail != nil {
		status = s.cfg.Fail(page, req.Attempt)
	}
	if status != 0 && status != http.StatusOK {
		release()
		req.Status = status
		s.finish(req, end)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(s.cfg.RetryAfter)))
		}
		http.Error(w, "injected failure", status)
		return
	}
	var body strings.Builder
	enc := json.NewEncoder(&body)
	recs := s.page(page)
	for _, rec := range recs {
		if err := enc.Encode(rec); err != nil {
			release()
			s.finish(req, end)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	// Count the records as extracted, release the slot and end the span
	// before the first byte goes out: a client that has read the answer
	// must never find the source still busy with it.
	s.backlog.Extracted(len(recs))
	release()
	req.Status, req.Records = http.StatusOK, len(recs)
	s.finish(req, end)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	_, _ = io.WriteString(w, body.String())
}

// finish logs req, ends its span and wakes Await.
func (s *SourceServer) finish(req SourceRequest, end func(error)) {
	req.End = s.rec.Now()
	var err error
	if req.Status != http.StatusOK {
		err = fmt.Errorf("status %d", req.Status)
	}
	end(err)
	s.mu.Lock()
	s.log = append(s.log, req)
	s.notifyLocked()
	s.mu.Unlock()
}

// page returns page p's records; the same source always serves the same text.
func (s *SourceServer) page(p int) []Record {
	out := make([]Record, s.cfg.PageSize)
	for i := range out {
		id := fmt.Sprintf("%s/%d/%d", s.cfg.Name, p, i)
		out[i] = Record{ID: id, Source: s.cfg.Name, Text: sourceText(id)}
	}
	return out
}

func retryAfterSeconds(d time.Duration) int {
	if d <= 0 {
		return 1
	}
	return int((d + time.Second - 1) / time.Second)
}

// sourceVocabulary is what simulated records are written in.
var sourceVocabulary = strings.Fields(`the a model data training loss gradient batch token
embedding layer attention weight bias epoch learning rate optimizer accuracy label
feature vector tensor shard worker queue pipeline latency throughput cache request
user click query document image caption audio transcript score rank retrieval`)

// sourceText returns a record's text: 12 to 27 words chosen from id's hash.
func sourceText(id string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	x := h.Sum64()
	n := 12 + int(x%16)
	words := make([]string, n)
	for i := range words {
		x = sourceMix(x + uint64(i))
		words[i] = sourceVocabulary[x%uint64(len(sourceVocabulary))]
	}
	return strings.Join(words, " ")
}

// sourceMix is the splitmix64 finaliser.
func sourceMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// StatusError is a source's non-200 answer.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // from the Retry-After header, zero if absent
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// Temporary reports whether the request may succeed if retried: 429 and 5xx.
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// FetchPage makes one GET request for page of the source at baseURL and
// decodes its JSON-lines body as it streams in. A non-200 answer is returned
// as a *StatusError. The body is always drained and closed, so the
// connection goes back to client's pool for the next request.
func FetchPage(ctx context.Context, client *http.Client, baseURL string, page int) ([]Record, error) {
	url := fmt.Sprintf("%s/pages/%d", baseURL, page)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{URL: url, Code: resp.StatusCode}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			se.RetryAfter = time.Duration(secs) * time.Second
		}
		return nil, se
	}
	var out []Record
	dec := json.NewDecoder(resp.Body)
	for {
		var r Record
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("decode record %d of %s: %w", len(out), url, err)
		}
		out = append(out, r)
	}
}

// Featurize is the pipeline's transform: it tokenises the record's text,
// hashes unigrams and bigrams into FeatureDim buckets and mixes the counts
// rounds times into a digest. It is deterministic and pure CPU work; rounds
// sets its cost.
func Featurize(r Record, rounds int) Row {
	row := Row{ID: r.ID, Source: r.Source}
	words := strings.Fields(strings.ToLower(r.Text))
	row.Tokens = len(words)
	prev := uint64(0)
	for _, w := range words {
		h := fnv.New64a()
		_, _ = h.Write([]byte(w))
		x := h.Sum64()
		row.Features[x%FeatureDim]++
		if prev != 0 {
			row.Features[sourceMix(prev^bits.RotateLeft64(x, 17))%FeatureDim]++
		}
		prev = x
	}
	d := uint64(len(words))
	for range rounds {
		for _, f := range row.Features {
			d = sourceMix(d ^ uint64(f))
		}
	}
	row.Digest = d
	return row
}

// FeaturizerConfig configures a Featurizer.
type FeaturizerConfig struct {
	Rounds int // mixing rounds per record: the CPU cost of one transform
	// AwaitConcurrency, when above 1, makes the first transforms wait until
	// that many are running at once, or until AwaitTimeout has passed since
	// the first one began; then the gate stays open. A property can then
	// assert "at least N ran at once" without depending on the scheduler.
	AwaitConcurrency int
	AwaitTimeout     time.Duration
}

// Featurizer runs Featurize and records each call as a span on "transform".
type Featurizer struct {
	cfg FeaturizerConfig
	rec *Recorder

	mu       sync.Mutex
	running  int
	deadline time.Time
	open     chan struct{} // closed once the gate is open
	opened   bool
}

// NewFeaturizer returns a featurizer recording on rec.
func NewFeaturizer(rec *Recorder, cfg FeaturizerConfig) *Featurizer {
	return &Featurizer{cfg: cfg, rec: rec, open: make(chan struct{})}
}

// Rounds returns the mixing rounds per record.
func (f *Featurizer) Rounds() int { return f.cfg.Rounds }

// Transform featurizes r. It returns ctx's error, and records nothing, if ctx
// is already done.
func (f *Featurizer) Transform(ctx context.Context, r Record) (Row, error) {
	if err := ctx.Err(); err != nil {
		return Row{}, err
	}
	end := f.rec.Begin("transform", r.ID)
	f.mu.Lock()
	f.running++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	if err := f.gate(ctx); err != nil {
		end(err)
		return Row{}, err
	}
	row := Featurize(r, f.cfg.Rounds)
	end(nil)
	return row, nil
}

// gate holds the first transforms until AwaitConcurrency run at once.
func (f *Featurizer) gate(ctx context.Context) error {
	if f.cfg.AwaitConcurrency <= 1 {
		return nil
	}
	f.mu.Lock()
	if f.deadline.IsZero() {
		f.deadline = time.Now().Add(f.cfg.AwaitTimeout)
	}
	if f.running >= f.cfg.AwaitConcurrency {
		f.openLocked()
	}
	wait := time.Until(f.deadline)
	f.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-f.open:
		return nil
	case <-t.C:
		f.mu.Lock()
		f.openLocked()
		f.mu.Unlock()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *Featurizer) openLocked() {
	if !f.opened {
		f.opened = true
		close(f.open)
	}
}

// Backlog counts records extracted from the sources but not yet loaded into
// the sink, and the most there ever were. A nil *Backlog counts nothing.
type Backlog struct {
	mu        sync.Mutex
	extracted int
	loaded    int
	max       int
}

// Extracted counts n records as served by a source.
func (b *Backlog) Extracted(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.extracted += n
	b.max = max(b.max, b.extracted-b.loaded)
}

// Loaded counts n records as written to the sink.
func (b *Backlog) Loaded(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loaded += n
}

// Pending returns how many records are extracted but not loaded now.
func (b *Backlog) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.extracted - b.loaded
}

// Max returns the most records that were ever extracted but not loaded.
func (b *Backlog) Max() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.max
}

// SinkConfig describes a simulated sink (a warehouse table, a feature store).
type SinkConfig struct {
	MaxBatch      int           // most rows per Write
	MaxConcurrent int           // most Writes at once; more are refused
	Latency       time.Duration // per Write
	PerRow        time.Duration // per row written
}

// ErrSinkRefused is returned by a Write that breaks the sink's limits.
var ErrSinkRefused = errors.New("sink refused the write")

// Sink is a simulated sink with a bounded write rate. Every Write is recorded
// as a span on "sink".
type Sink struct {
	cfg     SinkConfig
	rec     *Recorder
	backlog *Backlog

	mu       sync.Mutex
	inFlight int
	rows     map[string]Row
	counts   map[string]int
	writes   int
}

// NewSink returns an empty sink recording on rec; backlog may be nil.
func NewSink(rec *Recorder, backlog *Backlog, cfg SinkConfig) *Sink {
	return &Sink{cfg: cfg, rec: rec, backlog: backlog, rows: map[string]Row{}, counts: map[string]int{}}
}

// MaxBatch returns the most rows one Write accepts.
func (s *Sink) MaxBatch() int { return s.cfg.MaxBatch }

// MaxConcurrent returns the most Writes the sink accepts at once.
func (s *Sink) MaxConcurrent() int { return s.cfg.MaxConcurrent }

// Write loads rows, all or none. It takes Latency plus PerRow per row,
// honours ctx (a cancelled write loads nothing), and refuses a batch larger
// than MaxBatch or a write beyond MaxConcurrent with ErrSinkRefused.
func (s *Sink) Write(ctx context.Context, rows []Row) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	end := s.rec.Begin("sink", fmt.Sprintf("%d rows", len(rows)))
	s.mu.Lock()
	s.inFlight++
	busy := s.inFlight
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	var err error
	switch {
	case len(rows) > s.cfg.MaxBatch:
		err = fmt.Errorf("%w: %d rows in one write, limit %d", ErrSinkRefused, len(rows), s.cfg.MaxBatch)
	case busy > s.cfg.MaxConcurrent:
		err = fmt.Errorf("%w: %d writes at once, limit %d", ErrSinkRefused, busy, s.cfg.MaxConcurrent)
	default:
		err = Sleep(ctx, s.cfg.Latency+time.Duration(len(rows))*s.cfg.PerRow)
	}
	if err != nil {
		end(err)
		return err
	}
	s.mu.Lock()
	for _, r := range rows {
		s.rows[r.ID] = r
		s.counts[r.ID]++
	}
	s.writes++
	s.mu.Unlock()
	// Count the rows as loaded before Write returns, so that a caller
	// freeing room for more records after Write never overtakes the count.
	s.backlog.Loaded(len(rows))
	end(nil)
	return nil
}

// Rows returns the rows loaded, one per id (the last one written).
func (s *Sink) Rows() map[string]Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Row, len(s.rows))
	for k, v := range s.rows {
		out[k] = v
	}
	return out
}

// Counts returns how many times each id was loaded.
func (s *Sink) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Writes returns how many writes succeeded.
func (s *Sink) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// PeakOverlap returns the most spans among spans that keep accepts which
// were running at the same moment. Spans that touch end to start do not
// overlap.
func PeakOverlap(spans []Span, keep func(Span) bool) int {
	type edge struct {
		at    time.Duration
		delta int
	}
	var edges []edge
	for _, s := range spans {
		if keep == nil || keep(s) {
			edges = append(edges, edge{s.Start, +1}, edge{s.End, -1})
		}
	}
	// Ends before starts at the same instant, so touching spans do not count.
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at != edges[j].at {
			return edges[i].at < edges[j].at
		}
		return edges[i].delta < edges[j].delta
	})
	peak, cur := 0, 0
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}
