package distributedtraining

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

var alternatives = []struct {
	name string
	impl Impl
}{
	{"fan-out per step, answers on a channel, checkpoint writer goroutine (the mutation skeleton without a bug)", stepFanOut{}.impl},
	{"shared state under a mutex, shard goroutines fail over themselves, one save goroutine at a time", sharedState},
}

// sharedState coordinates without result channels: each step starts one
// goroutine per shard that writes its gradient into a slice under a mutex
// and, when its worker crashed, moves that worker's shards itself (under
// the same mutex) and retries within the step. The step's context times
// them out and a WaitGroup joins them. A moved shard is loaded once, by a
// goroutine of its own under the run's context, which the shard's
// goroutines wait for until their step ends. Each checkpoint is saved by
// its own goroutine, started once the previous save finished.
func sharedState(ctx context.Context, job Job) ([]float64, error) {
	n := len(job.Workers)
	var loaders sync.WaitGroup // loads of moved shards
	defer loaders.Wait()       // after fail(nil) has cancelled them
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var mu sync.Mutex
	owner, dead, late := make([]int, n), make([]bool, n), make([]bool, n)
	type load struct {
		done chan struct{} // closed when the load has returned
		err  error         // set before done is closed
	}
	loaded := make([]map[int]bool, n)
	loading := make([]map[int]*load, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		owner[i], loaded[i], loading[i] = i, map[int]bool{i: true}, map[int]*load{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job.Workers[i].Load(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("distribute shards: %w", err)
	}

	var saving sync.WaitGroup // the save in flight, if any
	var saveErr error         // set by a save goroutine before Done
	finish := func(err error) ([]float64, error) {
		fail(err)
		saving.Wait()
		if saveErr != nil {
			return nil, saveErr
		}
		return nil, err
	}
	// pick returns the best live worker for a shard: on time last step,
	// then answered this step, then the fewest shards. mu is held.
	pick := func(answered []bool) int {
		shards := make([]int, n)
		for _, w := range owner {
			shards[w]++
		}
		best := -1
		for c := range n {
			switch {
			case dead[c]:
			case best < 0, late[best] && !late[c]:
				best = c
			case late[best] == late[c] && answered[c] != answered[best]:
				if answered[c] {
					best = c
				}
			case late[best] == late[c] && shards[c] < shards[best]:
				best = c
			}
		}
		return best
	}

	params := append([]float64(nil), job.Init...)
	for step := 1; step <= job.Steps; step++ {
		if err := context.Cause(ctx); err != nil {
			return finish(err)
		}
		sctx, end := context.WithTimeout(ctx, job.StepTimeout)
		grads := make([][]float64, n)
		answered := make([]bool, n)
		var failure error
		var calls sync.WaitGroup
		for shard := range n {
			calls.Add(1)
			go func() {
				defer calls.Done()
				for {
					mu.Lock()
					w := owner[shard]
					l := loading[w][shard]
					if l == nil && !loaded[w][shard] { // start the load, once
						l = &load{done: make(chan struct{})}
						loading[w][shard] = l
						loaders.Add(1)
						go func() {
							defer loaders.Done()
							l.err = job.Workers[w].Load(ctx, shard)
							mu.Lock()
							loaded[w][shard] = l.err == nil
							delete(loading[w], shard)
							mu.Unlock()
							close(l.done)
						}()
					}
					mu.Unlock()
					var err error
					if l != nil {
						select {
						case <-l.done:
							err = l.err
						case <-sctx.Done():
							return // the load goes on, for a later step
						}
					}
					var g []float64
					if err == nil {
						g, err = job.Workers[w].Gradient(sctx, step, shard, params)
					}
					mu.Lock()
					switch {
					case err == nil:
						grads[shard], answered[w] = g, true
						mu.Unlock()
						return
					case sctx.Err() != nil: // the step is over, or the run
						mu.Unlock()
						return
					case !dead[w]: // the worker failed: move its shards
						dead[w] = true
						next := pick(answered)
						if next < 0 {
							failure = fmt.Errorf("step %d: no live worker left for shard %d (after %w)", step, shard, err)
							mu.Unlock()
							return
						}
						for s, o := range owner {
							if o == w {
								owner[s] = next
							}
						}
					}
					mu.Unlock() // try again on the shard's new worker
				}
			}()
		}
		calls.Wait()
		end()
		if err := context.Cause(ctx); err != nil {
			return finish(err)
		}
		if failure != nil {
			return finish(failure)
		}
		var out [][]float64
		for shard, g := range grads {
			if w := owner[shard]; !dead[w] {
				late[w] = g == nil
			}
			if g != nil {
				out = append(out, g)
			}
		}
		if len(out) < job.Quorum {
			return finish(fmt.Errorf("step %d: %d gradients, quorum %d", step, len(out), job.Quorum))
		}
		params = Apply(params, out, job.LR)
		if step%job.CheckpointEvery == 0 {
			saving.Wait() // one write at a time
			if saveErr != nil {
				return finish(saveErr)
			}
			saving.Add(1)
			go func(step int, p []float64) {
				defer saving.Done()
				if err := job.Store.Save(ctx, step, p); err != nil {
					saveErr = fmt.Errorf("checkpoint step %d: %w", step, err)
					fail(saveErr)
				}
			}(step, params)
		}
	}
	saving.Wait()
	if saveErr != nil {
		return nil, saveErr
	}
	return params, nil
}

// runsFromEnv reads a run count from the environment, def when unset: the
// report's measurements use ASYNCBOOK_ALT_RUNS=50 and ASYNCBOOK_HOG_RUNS=20.
func runsFromEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func TestAlternativesPassEveryProperty(t *testing.T) {
	runs := runsFromEnv("ASYNCBOOK_ALT_RUNS", 1)
	for _, a := range alternatives {
		t.Run(a.name, func(t *testing.T) { passAll(t, a.impl, runs) })
	}
}

func passAll(t *testing.T, impl Impl, runs int, only ...string) {
	t.Helper()
	s := Suite()
	if len(only) > 0 {
		s = s.Only(only...)
	}
	ok := 0
	for range runs {
		res := s.Check(impl)
		if len(suite.Failed(res)) > 0 {
			for _, r := range res {
				if !r.Pass {
					t.Errorf("%s: %s", r.Property, r.Observed)
				}
			}
			continue
		}
		ok++
	}
	t.Logf("passed every property in %d of %d runs", ok, runs)
}

// hog keeps n goroutines spinning until the returned stop is called.
func hog(n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for ctx.Err() == nil {
				for range 10000 {
					x++
				}
			}
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// TestUnderCPUContention runs the reference and the alternatives with busy
// goroutines competing for the CPU, with GOMAXPROCS as it is and with 1. By
// default it checks the properties whose worlds arrange a precise moment
// once; ASYNCBOOK_HOG_RUNS=N runs the whole suite N times.
func TestUnderCPUContention(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite under a CPU hog")
	}
	runs := runsFromEnv("ASYNCBOOK_HOG_RUNS", 1)
	only := []string{"straggler-and-crash", "cancelled-between-steps", "cancellation"}
	if os.Getenv("ASYNCBOOK_HOG_RUNS") != "" {
		only = nil
	}
	impls := append([]struct {
		name string
		impl Impl
	}{{"reference", solution}}, alternatives...)
	for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			stop := hog(runtime.NumCPU())
			defer stop()
			for _, a := range impls {
				t.Run(a.name, func(t *testing.T) { passAll(t, a.impl, runs, only...) })
			}
		})
	}
}
