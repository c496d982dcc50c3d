package distributedtraining

import (
	"context"
	"testing"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

func benchmark(b *testing.B, impl Impl) {
	for b.Loop() {
		if err := Workload(context.Background(), impl); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSequential(b *testing.B) { benchmark(b, Sequential) }

func BenchmarkSolution(b *testing.B) { benchmark(b, Solution) }

func BenchmarkSpeedup(b *testing.B) {
	var sum float64
	n := 0
	for b.Loop() {
		s, err := suite.Speedup[Impl](context.Background(), Sequential, Solution, Workload)
		if err != nil {
			b.Fatal(err)
		}
		sum += s
		n++
	}
	measured := sum / float64(n)
	b.ReportMetric(measured, "speedup")
	b.ReportMetric(IdealSpeedup, "ideal-speedup")
	b.ReportMetric(measured/IdealSpeedup*100, "%-of-ideal")
}
