// Package serving is a model server: request fan-out, accept loops and
// stream handlers that start a goroutine per input, and their bounded
// versions.
package serving

import (
	"context"
	"net"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
)

type Request struct{ Prompt string }

type Response struct{ Text string }

type Model struct{ Name string }

func (m Model) Infer(ctx context.Context, r Request) Response { return Response{} }

type Server struct {
	model    Model
	queue    chan Request
	replicas []Model
	group    *errgroup.Group
}

func (s *Server) handle(r Request) {}
func (s *Server) serve(c net.Conn) { c.Close() }
func (s *Server) flush()           {}
func configure(g *errgroup.Group)  { g.SetLimit(4) }
func infer(r Request) Response     { return Response{} }
func worker(jobs <-chan Request, out chan<- Response) {
	for r := range jobs {
		out <- infer(r)
	}
}

// PredictStream is the server side of a streaming RPC.
type PredictStream interface {
	Recv() (*Request, error)
	Send(*Response) error
}

// --- reported ---

// BatchInfer starts a goroutine per request of the batch.
func BatchInfer(ctx context.Context, reqs []Request) []Response {
	results := make(chan Response, len(reqs))
	for _, req := range reqs {
		go func() { // want `goroutine started for every element of reqs with no bound on concurrency: use a worker pool, errgroup.SetLimit or a semaphore`
			results <- infer(req)
		}()
	}
	out := make([]Response, 0, len(reqs))
	for range reqs {
		out = append(out, <-results)
	}
	return out
}

// ByIndex ranges over the indexes of the batch.
func ByIndex(reqs []Request, out []Response) {
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() { // want `goroutine started for every element of reqs`
			defer wg.Done()
			out[i] = infer(reqs[i])
		}()
	}
	wg.Wait()
}

// Counted counts up to len(reqs).
func Counted(reqs []Request, out []Response) {
	var wg sync.WaitGroup
	for i := 0; i < len(reqs); i++ {
		wg.Add(1)
		go func() { // want `goroutine started for every element of reqs`
			defer wg.Done()
			out[i] = infer(reqs[i])
		}()
	}
	wg.Wait()
}

// RangeLen ranges over len(reqs).
func RangeLen(reqs []Request, out []Response) {
	var wg sync.WaitGroup
	for i := range len(reqs) {
		wg.Go(func() { // want `goroutine started by wg.Go for every element of reqs`
			out[i] = infer(reqs[i])
		})
	}
	wg.Wait()
}

// Consume starts a goroutine per queued request.
func (s *Server) Consume() {
	for req := range s.queue {
		go s.handle(req) // want `goroutine started for every value received from s.queue`
	}
}

// Accept starts a goroutine per connection.
func (s *Server) Accept(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go s.serve(conn) // want `goroutine started for every connection accepted by ln.Accept\(\) with no bound`
	}
}

// AcceptUntil accepts until cancelled.
func (s *Server) AcceptUntil(ctx context.Context, ln *net.TCPListener) {
	for ctx.Err() == nil {
		conn, err := ln.AcceptTCP()
		if err != nil {
			continue
		}
		go s.serve(conn) // want `goroutine started for every connection accepted by ln.AcceptTCP\(\)`
	}
}

// Dispatch receives requests in a select.
func (s *Server) Dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case req, ok := <-s.queue:
			if !ok {
				return
			}
			go s.handle(req) // want `goroutine started for every value received from s.queue`
		}
	}
}

// Inline receives in the go statement's arguments.
func (s *Server) Inline() {
	for {
		go s.handle(<-s.queue) // want `goroutine started for every value received from s.queue`
	}
}

// Stream starts a goroutine per streamed message.
func (s *Server) Stream(stream PredictStream) error {
	for {
		req, err := stream.Recv()
		if err != nil {
			return err
		}
		go func() { // want `goroutine started for every message received by stream.Recv\(\)`
			resp := s.model.Infer(context.Background(), *req)
			stream.Send(&resp)
		}()
	}
}

// Warm warms every model of a map given by the caller.
func Warm(ctx context.Context, models map[string]Model) {
	for _, m := range models {
		go m.Infer(ctx, Request{Prompt: "warmup"}) // want `goroutine started for every element of models`
	}
}

// Batch fans out over a field of a parameter.
func Batch(ctx context.Context, m Model, batch struct{ Prompts []Request }) {
	for _, p := range batch.Prompts {
		go m.Infer(ctx, p) // want `goroutine started for every element of batch.Prompts`
	}
}

// Slots makes one slot per request and fills each from its own goroutine.
func Slots(reqs []Request) []Response {
	out := make([]Response, len(reqs))
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = infer(reqs[i]) }) // want `goroutine started by wg.Go for every element of out`
	}
	wg.Wait()
	return out
}

// Async starts a goroutine for the requests that ask for it: still one per
// item.
func (s *Server) Async(reqs []struct {
	Request
	Async bool
}) {
	for _, r := range reqs {
		if r.Async {
			go s.handle(r.Request) // want `goroutine started for every element of reqs`
		}
	}
}

// Grown ranges over a literal that is appended to.
func Grown(ctx context.Context, extra []Model) {
	models := []Model{{Name: "a"}}
	models = append(models, extra...)
	for _, m := range models {
		go m.Infer(ctx, Request{}) // want `goroutine started for every element of models`
	}
}

// SemaphoreLate acquires a semaphore after the work: it bounds nothing.
func SemaphoreLate(reqs []Request, sem chan struct{}, out chan Response) {
	for _, r := range reqs {
		go func() { // want `goroutine started for every element of reqs`
			out <- infer(r)
			sem <- struct{}{}
		}()
	}
}

// DoneChannel signals completion on a channel sized for the batch: not a
// semaphore.
func DoneChannel(reqs []Request) {
	done := make(chan struct{}, len(reqs))
	for _, r := range reqs {
		go notify(done, r) // want `goroutine started for every element of reqs`
	}
	for range reqs {
		<-done
	}
}

func notify(done chan<- struct{}, r Request) {
	infer(r)
	done <- struct{}{}
}

// --- silent ---

// Ensemble fans out over an array of three models.
func Ensemble(ctx context.Context, r Request) {
	for _, m := range [3]Model{{Name: "small"}, {Name: "medium"}, {Name: "large"}} {
		go m.Infer(ctx, r)
	}
}

// Literal fans out over a composite literal.
func Literal(ctx context.Context, a, b, c Model, r Request) {
	for _, m := range []Model{a, b, c} {
		go m.Infer(ctx, r)
	}
}

var ensemble = []Model{{Name: "bert"}, {Name: "t5"}, {Name: "llama"}}

// Backend is a replica the router can send a request to.
type Backend interface {
	Predict(ctx context.Context, r Request) (Response, error)
}

// TrainingWorker holds one shard of the data.
type TrainingWorker struct{ shard int }

func (w *TrainingWorker) Load(ctx context.Context, shard int) error { return nil }

// Hedge sends the request to every backend and keeps the first answer: one
// goroutine per backend, a resource the caller sized, drives it.
func Hedge(ctx context.Context, backends []Backend, r Request) Response {
	out := make(chan Response, len(backends))
	for _, b := range backends {
		go func() {
			resp, _ := b.Predict(ctx, r)
			out <- resp
		}()
	}
	return <-out
}

// Distribute loads shard i on worker i, on every worker at once.
func Distribute(ctx context.Context, workers []*TrainingWorker) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range len(workers) {
		g.Go(func() error { return workers[i].Load(ctx, i) })
	}
	return g.Wait()
}

// Replicas fans out to every replica the server was configured with: the
// receiver's state is configuration, not input.
func (s *Server) Replicas(ctx context.Context, r Request) {
	for _, m := range s.replicas {
		go m.Infer(ctx, r)
	}
}

// Shards makes one slot per worker, a fixed count.
func Shards(workers int, reqs []Request) {
	slots := make([][]Request, workers)
	for i, r := range reqs {
		slots[i%workers] = append(slots[i%workers], r)
	}
	var wg sync.WaitGroup
	for _, slot := range slots {
		wg.Go(func() {
			for _, r := range slot {
				infer(r)
			}
		})
	}
	wg.Wait()
}

const greeting = "hello"

// Bytes ranges over the bytes of a constant.
func Bytes(out chan<- byte) {
	for _, b := range []byte(greeting) {
		go func() { out <- b }()
	}
}

// FirstOnly starts a monitor on the first request only.
func (s *Server) FirstOnly(reqs []Request) {
	for i, r := range reqs {
		if i == 0 {
			go s.flush()
		}
		s.handle(r)
	}
}

// StartOnce starts the flusher the first time a request needs it.
func (s *Server) StartOnce(reqs []Request) {
	started := false
	for _, r := range reqs {
		if !started {
			started = true
			go s.flush()
		}
		s.handle(r)
	}
}

// InFlight counts the goroutines it starts and stops at max.
func InFlight(reqs []Request, max int, done chan struct{}) {
	inflight := 0
	for _, r := range reqs {
		if inflight < max {
			inflight++
			go func() { infer(r); done <- struct{}{} }()
		}
	}
}

// Ensemble2 fans out over a package-level literal nobody changes.
func Ensemble2(ctx context.Context, r Request) {
	local := map[string]Model{"fast": {Name: "distil"}, "slow": {Name: "xl"}}
	for _, m := range ensemble {
		go m.Infer(ctx, r)
	}
	for _, m := range local {
		go m.Infer(ctx, r)
	}
}

// Pool starts a fixed number of workers fed by a channel.
func Pool(cfg struct{ Workers int }, reqs []Request) []Response {
	jobs := make(chan Request)
	out := make(chan Response, len(reqs))
	for i := 0; i < cfg.Workers; i++ {
		go worker(jobs, out)
	}
	for range cfg.Workers {
		go worker(jobs, out)
	}
	for _, r := range reqs {
		jobs <- r
	}
	close(jobs)
	res := make([]Response, 0, len(reqs))
	for range reqs {
		res = append(res, <-out)
	}
	return res
}

// Semaphore acquires a token before each goroutine.
func Semaphore(reqs []Request, out []Response) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, r := range reqs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = infer(r)
		}()
	}
	wg.Wait()
}

// Weighted acquires from a semaphore.Weighted before each goroutine.
func Weighted(ctx context.Context, reqs []Request) error {
	sem := semaphore.NewWeighted(8)
	for _, r := range reqs {
		if err := sem.Acquire(ctx, 1); err != nil {
			return err
		}
		go func() {
			defer sem.Release(1)
			infer(r)
		}()
	}
	return sem.Acquire(ctx, 8)
}

// AcquireInside acquires first thing in the goroutine: the goroutines wait,
// the work is bounded.
func AcquireInside(ctx context.Context, reqs []Request, sem *semaphore.Weighted, tokens chan struct{}) {
	for _, r := range reqs {
		go func() {
			if err := sem.Acquire(ctx, 1); err != nil {
				return
			}
			defer sem.Release(1)
			infer(r)
		}()
		go func() {
			defer func() { <-tokens }()
			tokens <- struct{}{}
			infer(r)
		}()
	}
}

// HandedDown passes a semaphore to the function the goroutine runs, which
// acquires it.
func HandedDown(ctx context.Context, reqs []Request) {
	sem := make(chan struct{}, 8)
	weighted := semaphore.NewWeighted(8)
	for _, r := range reqs {
		go throttled(sem, r)
		go func() { weightedInfer(ctx, weighted, r) }()
	}
}

func throttled(sem chan struct{}, r Request) {
	sem <- struct{}{}
	defer func() { <-sem }()
	infer(r)
}

func weightedInfer(ctx context.Context, sem *semaphore.Weighted, r Request) {
	if sem.Acquire(ctx, 1) == nil {
		defer sem.Release(1)
		infer(r)
	}
}

// Limited sets a limit on its errgroup.
func Limited(ctx context.Context, reqs []Request) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, r := range reqs {
		g.Go(func() error {
			infer(r)
			return ctx.Err()
		})
	}
	return g.Wait()
}

// Param uses a group it was given: the caller may have limited it.
func Param(g *errgroup.Group, reqs []Request) {
	for _, r := range reqs {
		g.Go(func() error { infer(r); return nil })
	}
}

// Configured passes its group to a function that limits it.
func Configured(reqs []Request) error {
	var g errgroup.Group
	configure(&g)
	for _, r := range reqs {
		g.Go(func() error { infer(r); return nil })
	}
	return g.Wait()
}

// Field uses the server's group.
func (s *Server) Field(reqs []Request) {
	for _, r := range reqs {
		s.group.Go(func() error { infer(r); return nil })
	}
}

// OneAtATime waits for each goroutine before starting the next.
func OneAtATime(ctx context.Context, reqs []Request) {
	for _, r := range reqs {
		done := make(chan Response, 1)
		go func() { done <- infer(r) }()
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

// Waits waits on a WaitGroup each iteration.
func Waits(batches [][]Request) {
	for _, b := range batches {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = b
		}()
		wg.Wait()
	}
}

// RateLimited waits for the rate limiter before each goroutine.
func RateLimited(ctx context.Context, lim *rate.Limiter, reqs []Request) {
	for _, r := range reqs {
		if lim.Wait(ctx) != nil {
			return
		}
		go infer(r)
	}
}

// Ticker starts a flush per tick: time paces the loop, not input.
func (s *Server) Ticker(ctx context.Context, t *time.Ticker) {
	for range t.C {
		go s.flush()
	}
	for {
		select {
		case req := <-s.queue:
			s.handle(req)
		case <-t.C:
			go s.flush()
		case <-ctx.Done():
			return
		}
	}
}

// Forwarder hands each request to a pool instead of a goroutine.
func (s *Server) Forwarder(reqs []Request) {
	for _, r := range reqs {
		s.queue <- r
	}
	go s.flush()
}

// Bounded accepts a fixed number of connections.
func (s *Server) Bounded(ln net.Listener, max int) {
	for i := 0; i < max; i++ {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go s.serve(conn)
	}
}

// AcceptWithToken takes a token before accepting.
func (s *Server) AcceptWithToken(ln net.Listener, tokens chan struct{}) {
	for {
		tokens <- struct{}{}
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer func() { <-tokens }()
			s.serve(conn)
		}()
	}
}
