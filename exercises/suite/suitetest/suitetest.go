// Package suitetest holds what every exercise's tests and benchmarks share:
// the proof that a property suite has teeth, and the speedup benchmark.
package suitetest

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

// SolutionPasses checks that the reference solution passes every property.
func SolutionPasses[I any](t *testing.T, s suite.Suite[I], solution I) {
	t.Helper()
	res := s.Check(solution)
	LogResults(t, res)
	if failed := suite.Failed(res); len(failed) > 0 {
		t.Errorf("the reference solution fails %v", failed)
	}
	if len(res) != len(s.Properties) {
		t.Errorf("%d results for %d properties", len(res), len(s.Properties))
	}
}

// SequentialFails checks that the sequential implementation fails exactly
// the named properties (the exercise's point), and that those are exactly
// the properties marked Concurrency.
func SequentialFails[I any](t *testing.T, s suite.Suite[I], sequential I, want ...string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("name the properties the sequential implementation must fail")
	}
	res := s.Check(sequential)
	LogResults(t, res)
	failed := suite.Failed(res)
	if !sameSet(failed, want) {
		t.Errorf("the sequential implementation fails %v, want exactly %v", failed, want)
	}
	var marked []string
	for _, p := range s.Properties {
		if p.Concurrency {
			marked = append(marked, p.Name)
		}
	}
	if !sameSet(marked, want) {
		t.Errorf("the properties marked Concurrency are %v, want those the sequential implementation fails: %v", marked, want)
	}
}

// LogResults logs each result's property, verdict and observation.
func LogResults(t *testing.T, res []suite.Result) {
	t.Helper()
	for _, r := range res {
		t.Logf("%-24s pass=%-5v %s", r.Property, r.Pass, r.Observed)
	}
}

// CheckOne runs the named property alone over impl, logs and returns its
// result; a name the suite lacks fails the test.
func CheckOne[I any](t *testing.T, s suite.Suite[I], name string, impl I) suite.Result {
	t.Helper()
	res := s.Only(name).Check(impl)
	if len(res) != 1 {
		t.Fatalf("the suite has no property %q", name)
	}
	LogResults(t, res)
	return res[0]
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// BenchmarkWorkload runs the exercise's workload through impl once per
// iteration.
func BenchmarkWorkload[I any](b *testing.B, impl I, workload func(context.Context, I) error) {
	for b.Loop() {
		if err := workload(context.Background(), impl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpeedup times the workload through seq and impl on each
// iteration and reports the mean speedup, the ideal one and the share of it
// reached ("%-of-ideal"; the goal is at least 85).
func BenchmarkSpeedup[I any](b *testing.B, seq, impl I, workload func(context.Context, I) error, ideal float64) {
	var sum float64
	n := 0
	for b.Loop() {
		s, err := suite.Speedup(context.Background(), seq, impl, workload)
		if err != nil {
			b.Fatal(err)
		}
		sum += s
		n++
	}
	measured := sum / float64(n)
	b.ReportMetric(measured, "speedup")
	b.ReportMetric(ideal, "ideal-speedup")
	b.ReportMetric(measured/ideal*100, "%-of-ideal")
}

// RunsEnv names the environment variable that sets how many times
// PassesEveryRun checks an implementation (the tests' default otherwise).
const RunsEnv = "ASYNCBOOK_RUNS"

// Runs returns $ASYNCBOOK_RUNS if it is a positive number, else def.
func Runs(def int) int {
	if n, err := strconv.Atoi(os.Getenv(RunsEnv)); err == nil && n > 0 {
		return n
	}
	return def
}

// PassesEveryRun checks impl with the whole suite runs times and fails the
// test with every property that failed in any run, and how often. It is how
// an exercise shows that a correct answer in another style than the
// reference never fails: a property a correct answer fails one run in
// twenty is a property that lies to a learner.
func PassesEveryRun[I any](t *testing.T, s suite.Suite[I], impl I, runs int) {
	t.Helper()
	failures := map[string]int{}
	examples := map[string]string{}
	for range runs {
		for _, r := range s.Check(impl) {
			if !r.Pass {
				failures[r.Property]++
				examples[r.Property] = r.Observed
			}
		}
	}
	for _, p := range s.Properties {
		if n := failures[p.Name]; n > 0 {
			t.Errorf("%s failed %d of %d runs; last: %s", p.Name, n, runs, examples[p.Name])
		}
	}
	t.Logf("%d runs, %d property failures", runs, len(failures))
}

// UnderCPUHog runs fn with GOMAXPROCS=1 and two goroutines that spin for
// the CPU the whole time: the scheduling a loaded machine gives a check. A
// property that a correct answer passes only when its goroutines run
// promptly fails here. The spinners end before UnderCPUHog returns.
func UnderCPUHog(t *testing.T, fn func()) {
	t.Helper()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := range 10000 { // spin between checks of stop
					x += i
				}
				hogSink.Store(int64(x))
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)
	fn()
}

// hogSink keeps the spinners' work from being optimised away.
var hogSink atomic.Int64

// MarkedLine returns the line of the caller's file that carries the
// comment //where:name, so a test can say which line a result must point
// at without counting lines. It fails t unless exactly one line does.
func MarkedLine(t testing.TB, name string) (file string, line int) {
	t.Helper()
	_, file, _, ok := runtime.Caller(1)
	if !ok {
		t.Fatal("no caller")
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "//where:"+name) {
			if line != 0 {
				t.Fatalf("two lines of %s are marked //where:%s", file, name)
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("no line of %s is marked //where:%s", file, name)
	}
	return file, line
}
