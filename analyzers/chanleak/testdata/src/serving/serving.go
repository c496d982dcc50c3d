// Package serving runs a model server: worker pools, pipelines, and the
// shutdown paths around them.
package serving

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

type Request struct{ Prompt string }

type Reply struct{ Text string }

type Model func(ctx context.Context, r Request) Reply

// Serve returns on cancellation; ListenAndServe's error then has nowhere to go.
func Serve(ctx context.Context, srv *http.Server) error {
	errc := make(chan error)
	go func() {
		errc <- srv.ListenAndServe() // want `goroutine sends on unbuffered channel errc, but the receiver may stop waiting on cancellation`
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return srv.Shutdown(context.Background())
	}
}

// Generate waits for a reply until a deadline, leaving through a labeled break.
func Generate(ctx context.Context, m Model, r Request, deadline <-chan time.Time) Reply {
	replies := make(chan Reply)
	go func() { replies <- m(ctx, r) }() // want `goroutine sends on unbuffered channel replies, but the receiver may stop waiting when another case wins`
	var out Reply
wait:
	for {
		select {
		case out = <-replies:
			break wait
		case <-deadline:
			out = Reply{Text: "timeout"}
			break wait
		}
	}
	return out
}

// Probe checks every model replica concurrently, each with its own deadline;
// a replica slower than its deadline strands the probing goroutine.
func Probe(ctx context.Context, replicas map[string]Model, d time.Duration) map[string]bool {
	var mu sync.Mutex
	healthy := make(map[string]bool)
	var wg sync.WaitGroup
	for name, m := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := make(chan bool)
			go func() {
				ok <- m(ctx, Request{Prompt: "ping"}).Text != "" // want `goroutine sends on unbuffered channel ok, but the receiver may stop waiting on timeout`
			}()
			t := time.NewTimer(d)
			defer t.Stop()
			var up bool
			select {
			case up = <-ok:
			case <-t.C:
			}
			mu.Lock()
			defer mu.Unlock()
			healthy[name] = up
		}()
	}
	wg.Wait()
	return healthy
}

// --- correct versions and near misses: no diagnostics below ---

// Pool runs workers over a job channel and collects every reply.
func Pool(ctx context.Context, m Model, reqs []Request, workers int) []Reply {
	jobs := make(chan Request)
	replies := make(chan Reply)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				replies <- m(ctx, r)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, r := range reqs {
			jobs <- r
		}
	}()
	go func() {
		wg.Wait()
		close(replies)
	}()
	var out []Reply
	for r := range replies {
		out = append(out, r)
	}
	return out
}

// Limited bounds concurrency with a semaphore channel.
func Limited(ctx context.Context, m Model, reqs []Request) []Reply {
	sem := make(chan struct{}, 4)
	out := make([]Reply, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = m(ctx, r)
		}()
	}
	wg.Wait()
	return out
}

// Done closes a channel instead of sending: closing never blocks.
func Done(ctx context.Context, m Model, r Request) (Reply, error) {
	var reply Reply
	done := make(chan struct{})
	go func() {
		defer close(done)
		reply = m(ctx, r)
	}()
	select {
	case <-done:
		return reply, nil
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// Quit is a signal from the function to its worker.
func Quit(m Model, r Request) {
	quit := make(chan bool)
	go func() {
		for {
			select {
			case <-quit:
				return
			default:
				m(context.Background(), r)
			}
		}
	}()
	quit <- true
}

// Merge fans in through a named closure the analysis does not follow.
func Merge(cs ...<-chan Reply) []Reply {
	out := make(chan Reply)
	var wg sync.WaitGroup
	forward := func(c <-chan Reply) {
		defer wg.Done()
		for r := range c {
			out <- r
		}
	}
	for _, c := range cs {
		wg.Add(1)
		go forward(c)
	}
	go func() { wg.Wait(); close(out) }()
	var replies []Reply
	for r := range out {
		replies = append(replies, r)
	}
	return replies
}

// Stream hands the channel back to the caller.
func Stream(ctx context.Context, m Model, reqs []Request) <-chan Reply {
	out := make(chan Reply)
	go func() {
		defer close(out)
		for _, r := range reqs {
			out <- m(ctx, r)
		}
	}()
	return out
}

// Pipeline stages select on ctx.Done for every send.
func Pipeline(ctx context.Context, m Model, reqs []Request) error {
	replies := make(chan Reply)
	go func() {
		defer close(replies)
		for _, r := range reqs {
			select {
			case replies <- m(ctx, r):
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case _, ok := <-replies:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Poll checks before the goroutine starts: nothing can be stranded yet.
func Poll(ctx context.Context, m Model, r Request) Reply {
	replies := make(chan Reply)
	select {
	case rep := <-replies:
		return rep
	default:
	}
	go func() { replies <- m(ctx, r) }()
	return <-replies
}

// Accept loops over connections; the listener is closed elsewhere.
func Accept(ln net.Listener, handle func(net.Conn)) error {
	conns := make(chan net.Conn)
	errc := make(chan error, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				errc <- err
				return
			}
			conns <- c
		}
	}()
	for {
		select {
		case c := <-conns:
			go handle(c)
		case err := <-errc:
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
	}
}
