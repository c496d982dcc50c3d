package batchinference

import (
	"context"
	"testing"

	"github.com/asyncbook/asyncbook/exercises/suite"
)

func BenchmarkSequential(b *testing.B) {
	for b.Loop() {
		if err := Workload(context.Background(), Sequential); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolution(b *testing.B) {
	for b.Loop() {
		if err := Workload(context.Background(), Solution); err != nil {
			b.Fatal(err)
		}
	}
}

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
