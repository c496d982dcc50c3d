package batchinference

import (
	"testing"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func BenchmarkSequential(b *testing.B) { suitetest.BenchmarkWorkload(b, Impl(Sequential), Workload) }

func BenchmarkSolution(b *testing.B) { suitetest.BenchmarkWorkload(b, Impl(solution), Workload) }

// BenchmarkSpeedup reports solution's speedup over Sequential on the same
// workload, beside IdealSpeedup.
func BenchmarkSpeedup(b *testing.B) {
	suitetest.BenchmarkSpeedup(b, Impl(Sequential), Impl(solution), Workload, IdealSpeedup)
}
