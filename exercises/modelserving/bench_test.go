package modelserving

import (
	"context"
	"testing"
	"time"

	"github.com/asyncbook/asyncbook/exercises/suite/suitetest"
)

func BenchmarkSequential(b *testing.B) { suitetest.BenchmarkWorkload(b, Impl(Sequential), Workload) }

func BenchmarkSolution(b *testing.B) { suitetest.BenchmarkWorkload(b, Impl(solution), Workload) }

// BenchmarkSpeedup reports solution's speedup over Sequential on the same
// workload, beside IdealSpeedup.
func BenchmarkSpeedup(b *testing.B) {
	suitetest.BenchmarkSpeedup(b, Impl(Sequential), Impl(solution), Workload, IdealSpeedup)
}

// BenchmarkBatching serves the same loads with solution batching (MaxBatch
// 16) and not batching (MaxBatch 1) and reports throughput and p99 latency
// of each. Under 32 clients batching wins on both: without it every request
// waits behind the 31 others at 21 ms each (p99 about 670 ms); with it a
// request waits for at most one batch of 36 ms before its own. With one
// client there is nobody to batch with, and batching only costs MaxWait
// (5 ms) per request: that is the trade-off MaxWait sets.
func BenchmarkBatching(b *testing.B) {
	ctx := context.Background()
	type acc struct{ rps, p99 float64 }
	var loaded, loadedOff, lone, loneOff acc
	n := 0
	run := func(a *acc, maxBatch, clients, requests int) {
		rep, err := ServeLoad(ctx, solution, BenchConfig(maxBatch), clients, requests)
		if err != nil {
			b.Fatal(err)
		}
		a.rps += rep.Throughput
		a.p99 += float64(rep.P99) / float64(time.Millisecond)
	}
	for b.Loop() {
		run(&loaded, benchMaxBatch, benchClients, benchRequests)
		run(&loadedOff, 1, benchClients, benchRequests)
		run(&lone, benchMaxBatch, 1, 16)
		run(&loneOff, 1, 1, 16)
		n++
	}
	avg := func(v float64) float64 { return v / float64(n) }
	b.ReportMetric(avg(loaded.rps), "batched-req/s")
	b.ReportMetric(avg(loadedOff.rps), "unbatched-req/s")
	b.ReportMetric(loaded.rps/loadedOff.rps, "throughput-ratio")
	b.ReportMetric(avg(loaded.p99), "batched-p99-ms")
	b.ReportMetric(avg(loadedOff.p99), "unbatched-p99-ms")
	b.ReportMetric(avg(lone.p99), "1client-batched-p99-ms")
	b.ReportMetric(avg(loneOff.p99), "1client-unbatched-p99-ms")
}
