// Package streaming serves model requests from channels: select loops that
// must watch ctx.Done().
package streaming

import (
	"context"
	"time"
)

type Request struct{ Prompt string }

type Token struct{ Text string }

type Model struct{}

func (m *Model) Generate(ctx context.Context, r Request) (Token, error) { return Token{}, nil }

// serve blocks on the request queue forever: cancelling ctx does nothing.
func serve(ctx context.Context, m *Model, requests <-chan Request, out chan<- Token) {
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\): cancelling ctx does not stop the loop`
		case r := <-requests:
			t, _ := m.Generate(ctx, r)
			out <- t
		}
	}
}

// stream returns an error, so the fix returns ctx.Err().
func stream(ctx context.Context, tokens <-chan Token, send func(Token) error) error {
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case t, ok := <-tokens:
			if !ok {
				return nil
			}
			if err := send(t); err != nil {
				return err
			}
		}
	}
}

// countTokens returns (int, error): the zero value is spelled.
func countTokens(ctx context.Context, tokens <-chan Token, errs <-chan error) (int, error) {
	n := 0
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case _, ok := <-tokens:
			if !ok {
				return n, nil
			}
			n++
		case err := <-errs:
			return n, err
		}
	}
}

type Stats struct{ Tokens int }

// summarize returns a struct of this package: Stats{} is its zero value.
func summarize(ctx context.Context, tokens <-chan Token) (Stats, error) {
	var s Stats
	for s.Tokens < 100 {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case <-tokens:
			s.Tokens++
		}
	}
	return s, nil
}

// publish is a producer: the send blocks forever once the consumer leaves.
func publish(ctx context.Context, batches [][]float32, out chan<- []float32) {
	for _, b := range batches {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case out <- b:
		}
	}
}

// watchdog is a closure capturing ctx: the ctx of the enclosing function
// is in scope.
func watchdog(ctx context.Context, heartbeats <-chan time.Time) {
	go func() {
		for {
			select { // want `select in a loop has no case <-ctx.Done\(\)`
			case <-heartbeats:
			case <-time.After(time.Minute):
				panic("trainer stalled")
			}
		}
	}()
}

// derived uses a derived ctx: the fix names it, not the parent.
func derived(parent context.Context, in <-chan Request, m *Model) error {
	ctx, cancel := context.WithTimeout(parent, time.Minute)
	defer cancel()
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\): cancelling ctx`
		case r := <-in:
			if _, err := m.Generate(ctx, r); err != nil {
				return err
			}
		}
	}
}

// generic results have no spelled zero value: reported, but no fix.
func first[T any](ctx context.Context, in <-chan T) (T, error) {
	for {
		select { // want `select in a loop has no case <-ctx.Done\(\)`
		case v := <-in:
			return v, nil
		}
	}
}

// ---- silent: correct versions and near misses ----

// serveOK watches ctx.Done().
func serveOK(ctx context.Context, m *Model, requests <-chan Request) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r := <-requests:
			_, _ = m.Generate(ctx, r)
		}
	}
}

// serveDoneVar watches ctx.Done() through a variable.
func serveDoneVar(ctx context.Context, requests <-chan Request) {
	done := ctx.Done()
	for {
		select {
		case <-done:
			return
		case <-requests:
		}
	}
}

// serveStop watches a stop channel instead of a ctx.
func serveStop(ctx context.Context, requests <-chan Request, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-requests:
		}
	}
}

// poll does not block: it has a default case.
func poll(ctx context.Context, requests <-chan Request) int {
	n := 0
	for i := 0; i < 8; i++ {
		select {
		case <-requests:
			n++
		default:
		}
	}
	return n
}

// serveNoCtx has no ctx to watch.
func serveNoCtx(requests <-chan Request, m *Model) {
	for {
		select {
		case r := <-requests:
			_, _ = m.Generate(context.Background(), r)
		}
	}
}

// serveRoot's only ctx is Background: it is never cancelled.
func serveRoot(requests <-chan Request, m *Model) {
	ctx := context.Background()
	for {
		select {
		case r := <-requests:
			_, _ = m.Generate(ctx, r)
		}
	}
}

// once is a select outside any loop.
func once(ctx context.Context, results <-chan Token) Token {
	select {
	case t := <-results:
		return t
	}
}

// gather collects a fixed fan-out over three models from goroutines that
// see ctx themselves.
func gather(ctx context.Context, models [3]*Model, r Request) ([]Token, error) {
	results := make(chan Token, len(models))
	errs := make(chan error, len(models))
	for _, m := range models {
		go func() {
			t, err := m.Generate(ctx, r)
			if err != nil {
				errs <- err
				return
			}
			results <- t
		}()
	}
	var out []Token
	for range models {
		select {
		case t := <-results:
			out = append(out, t)
		case err := <-errs:
			return nil, err
		}
	}
	return out, nil
}

// flushLoop wakes on a ticker and checks ctx at the top of every turn.
func flushLoop(ctx context.Context, in <-chan Token, flush func([]Token)) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var buf []Token
	for ctx.Err() == nil {
		select {
		case t := <-in:
			buf = append(buf, t)
		case <-tick.C:
			flush(buf)
			buf = nil
		}
	}
}

// nested: the loop is outside the func literal holding the select.
func nested(ctx context.Context, shards []string, out <-chan int) {
	for range shards {
		func() {
			select {
			case <-out:
			}
		}()
	}
}

// gatherPending waits for results on channels it made itself; its workers
// see ctx and always send.
func gatherPending(ctx context.Context, m *Model, reqs map[string]Request) map[string]Token {
	type result struct {
		id string
		t  Token
	}
	results := make(chan result, len(reqs))
	for id, r := range reqs {
		go func() {
			t, _ := m.Generate(ctx, r)
			results <- result{id, t}
		}()
	}
	out := make(map[string]Token)
	for len(out) < len(reqs) {
		select {
		case res := <-results:
			out[res.id] = res.t
		}
	}
	return out
}

// raceReplicas starts a primary and, after a delay, a fallback replica; it
// gathers from its own channel with a one-shot timer.
func raceReplicas(ctx context.Context, primary, fallback *Model, r Request) (Token, error) {
	type result struct {
		t   Token
		err error
	}
	results := make(chan result, 2)
	ask := func(m *Model) {
		t, err := m.Generate(ctx, r)
		results <- result{t, err}
	}
	go ask(primary)
	timer := time.NewTimer(50 * time.Millisecond)
	defer timer.Stop()
	pending := 2
	for {
		select {
		case <-timer.C:
			go ask(fallback)
		case res := <-results:
			pending--
			if res.err == nil || pending == 0 {
				return res.t, res.err
			}
		}
	}
}

// localTimeout owns its ctx and cancels it itself after the loop.
func localTimeout(in <-chan Request, m *Model) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 10; i++ {
		select {
		case r := <-in:
			_, _ = m.Generate(ctx, r)
		case <-time.After(time.Second):
		}
	}
}
