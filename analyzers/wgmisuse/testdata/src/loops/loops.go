// Package loops loads model plugins and scores batches: goroutines started
// in a loop, and where the loop waits for them.
package loops

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

type Plugin struct{ Name string }

func (p *Plugin) Activate() {}

func score(x float32) float32 { return x }

func train(b []float32) {}

// InitPlugins counts every plugin up front, then waits inside the loop: the
// first Wait waits for goroutines that have not started.
func InitPlugins(plugins []*Plugin) {
	var group sync.WaitGroup
	group.Add(len(plugins))
	for _, p := range plugins {
		go func() {
			defer group.Done()
			p.Activate()
		}()
		group.Wait() // want `group.Wait inside the loop blocks forever: group.Add\(len\(plugins\)\) at line 24 counts every goroutine of the loop, but only the first has started when Wait runs`
	}
}

// CountOne adds one before the loop: the second goroutine's Done panics.
func CountOne(plugins []*Plugin) {
	var wg sync.WaitGroup
	wg.Add(1)
	for _, p := range plugins {
		go func() {
			defer wg.Done()
			p.Activate()
		}()
		wg.Wait() // want `wg.Wait inside the loop returns after the first goroutine: wg.Add\(1\) at line 37 counts only one`
	}
}

// ScoreAll waits for each goroutine before starting the next.
func ScoreAll(xs []float32) []float32 {
	out := make([]float32, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = score(x)
		}()
		wg.Wait() // want `wg.Wait inside the loop waits for each goroutine before the next one starts: they run one at a time; call wg.Wait after the loop`
	}
	return out
}

// ScoreGo does the same with WaitGroup.Go.
func ScoreGo(xs []float32) {
	var wg sync.WaitGroup
	for i := 0; i < len(xs); i++ {
		wg.Go(func() { xs[i] = score(xs[i]) })
		wg.Wait() // want `wg.Wait inside the loop waits for each goroutine`
	}
}

// ScoreGroup does the same with an errgroup; the Wait's error is used, so
// no fix.
func ScoreGroup(ctx context.Context, xs []float32) error {
	var g errgroup.Group
	for i := range xs {
		g.Go(func() error {
			xs[i] = score(xs[i])
			return nil
		})
		if err := g.Wait(); err != nil { // want `g.Wait inside the loop waits for each goroutine`
			return err
		}
	}
	return nil
}

// ---- silent: near misses ----

// Batched waits every 8 goroutines: a bounded pool.
func Batched(xs []float32) {
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i] = score(x)
		}()
		if (i+1)%8 == 0 {
			wg.Wait()
		}
	}
	wg.Wait()
}

// AfterLoop is the correct fan-out: Add before go, Wait after the loop.
func AfterLoop(xs []float32) {
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i] = score(x)
		}()
	}
	wg.Wait()
}

// PerBatch fans out within each batch and waits per batch.
func PerBatch(batches [][]float32) {
	for _, b := range batches {
		var wg sync.WaitGroup
		for i, x := range b {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b[i] = score(x)
			}()
		}
		wg.Wait()
	}
}

// ThreeModels starts three goroutines per request and waits for them.
func ThreeModels(reqs []float32) {
	for _, r := range reqs {
		var wg sync.WaitGroup
		var a, b, c float32
		wg.Add(3)
		go func() { defer wg.Done(); a = score(r) }()
		go func() { defer wg.Done(); b = score(r) }()
		go func() { defer wg.Done(); c = score(r) }()
		wg.Wait()
		_ = a + b + c
	}
}

// Prefetch overlaps loading the next batch with training on this one.
func Prefetch(batches [][]float32, load func(int) []float32) {
	var wg sync.WaitGroup
	next := load(0)
	for i := range batches {
		cur := next
		wg.Add(1)
		go func() {
			defer wg.Done()
			next = load(i + 1)
		}()
		train(cur)
		wg.Wait()
	}
}

// Supervise restarts one worker at a time until stopped: serial on purpose.
func Supervise(stop <-chan struct{}, worker func()) {
	var wg sync.WaitGroup
	for {
		select {
		case <-stop:
			return
		default:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
		wg.Wait()
	}
}

// OtherGroup waits in the loop on a WaitGroup the loop does not count.
func OtherGroup(xs []float32, flushes *sync.WaitGroup) {
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i] = score(x)
		}()
		flushes.Wait()
	}
	wg.Wait()
}

// AddInsideLoopBefore counts each goroutine before it starts and waits
// only after a run of them; the Add before the loop is for a helper.
func WaitOutside(xs []float32) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i] = score(x)
		}()
	}
	wg.Wait()
}

// Repeat runs the same call n times in a fresh goroutine each: a fixed
// repetition (a benchmark's b.N, a stress test), serial on purpose.
func Repeat(n int, f func()) {
	for i := 0; i < n; i++ {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
		wg.Wait()
	}
	for range 2 {
		var wg sync.WaitGroup
		wg.Go(f)
		wg.Wait()
	}
}

// ScoreIndexed goes over input by index: reported.
func ScoreIndexed(xs []float32) {
	var wg sync.WaitGroup
	for i := 0; i < len(xs); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i] = score(xs[i])
		}()
		wg.Wait() // want `wg.Wait inside the loop waits for each goroutine`
	}
}
