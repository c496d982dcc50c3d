package distributedtraining

import (
	"context"
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
	{"fan-out per step, WaitGroup, checkpoint writer (the mutation skeleton without a bug)", stepFanOut{}.impl},
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
