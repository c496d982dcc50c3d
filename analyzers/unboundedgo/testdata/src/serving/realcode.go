package serving

import (
	"context"
	"net"

	"golang.org/x/sync/errgroup"
)

// Shapes seen on code nobody here wrote (bench/realcode): the fixed ones
// stay silent, their near misses are reported.

type Broker struct{ id int }

func (b *Broker) Send(reqs []Request) error { return nil }

func fetch(url string) {}

// Mirrors fans out to a list built to a fixed length.
func Mirrors(primary, backup string) {
	var urls []string
	urls = append(urls, primary)
	urls = append(urls, backup)
	for _, u := range urls {
		go fetch(u)
	}
}

// Replicated appends in a loop of constant trip count.
func Replicated(name string) {
	var urls []string
	for i := range 3 {
		urls = append(urls, name+string(rune('a'+i)))
	}
	for _, u := range urls {
		go fetch(u)
	}
}

// Appended grows the list once per input: it is input.
func Appended(reqs []Request) {
	var prompts []string
	for _, r := range reqs {
		prompts = append(prompts, r.Prompt)
	}
	for _, p := range prompts {
		go fetch(p) // want `goroutine started for every element of prompts with no bound on concurrency`
	}
}

// FirstFour starts at most four goroutines.
func FirstFour(urls []string) {
	for _, u := range urls[:min(len(urls), 4)] {
		go fetch(u)
	}
	for _, u := range urls[:4] {
		go fetch(u)
	}
}

// FirstN is bounded by a number that is itself input.
func FirstN(urls []string, n int) {
	for _, u := range urls[:min(len(urls), n)] {
		go fetch(u) // want `goroutine started for every element of urls\[:min\(len\(urls\), n\)\] with no bound on concurrency`
	}
}

// NotifyFirst starts one goroutine and returns.
func NotifyFirst(urls []string) {
	for _, u := range urls {
		if u != "" {
			go fetch(u)
			return
		}
	}
}

// BreakAfter starts one goroutine and leaves the loop.
func BreakAfter(urls []string) {
	for _, u := range urls {
		if len(u) > 3 {
			go fetch(u)
			break
		}
	}
}

// ReturnSometimes starts one per element until a stop marker.
func ReturnSometimes(urls []string) {
	for _, u := range urls {
		go fetch(u) // want `goroutine started for every element of urls with no bound on concurrency`
		if u == "stop" {
			return
		}
	}
}

// PerModel is a fixed fan-out over a parameter holding one element per
// model: the caller sized it.
func PerModel(ctx context.Context, models []*TrainingWorker, inputs []Request) error {
	g, ctx := errgroup.WithContext(ctx)
	for i, m := range models {
		g.Go(func() error { return loadAll(ctx, m, i, inputs) })
	}
	return g.Wait()
}

func loadAll(ctx context.Context, w *TrainingWorker, i int, inputs []Request) error {
	return w.Load(ctx, i)
}

// PerBroker sends each broker its own batch: one goroutine per broker.
func PerBroker(byBroker map[*Broker][]Request) {
	for b, reqs := range byBroker {
		go b.Send(reqs)
	}
}

// PerConn starts a goroutine for every connection received: a channel is
// input, whatever it carries.
func PerConn(conns <-chan *net.TCPConn, s *Server) {
	for c := range conns {
		go s.serve(c) // want `goroutine started for every value received from conns with no bound on concurrency`
	}
}

// Unlimited says SetLimit(-1): no limit.
func Unlimited(ctx context.Context, docs []string) error {
	var g errgroup.Group
	g.SetLimit(-1)
	for _, d := range docs {
		g.Go(func() error { fetch(d); return nil }) // want `goroutine started by g.Go for every element of docs with no limit on concurrency`
	}
	return g.Wait()
}

// AsManyAsInput limits the group to the input's own length: no limit.
func AsManyAsInput(ctx context.Context, docs []string) error {
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(len(docs))
	for _, d := range docs {
		g.Go(func() error { fetch(d); return nil }) // want `goroutine started by g.Go for every element of docs with no limit on concurrency`
	}
	return g.Wait()
}

// Limited keeps a real limit.
func Limited(ctx context.Context, docs []string, workers int) error {
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, d := range docs {
		g.Go(func() error { fetch(d); return nil })
	}
	return g.Wait()
}

// PerSubscriber names each element before starting its goroutine.
func PerSubscriber(subs []*Broker, reqs []Request) {
	for i := range subs {
		sub := subs[i]
		go sub.Send(reqs)
	}
}

// PerRequestCopy names a value element: still one goroutine per item.
func PerRequestCopy(reqs []Request, s *Server) {
	for i := range reqs {
		r := reqs[i]
		go s.handle(r) // want `goroutine started for every element of reqs with no bound on concurrency`
	}
}
