package suite

import (
	"context"
	"fmt"
	"io/fs"
	"time"
)

// Info describes an exercise for the catalog, the CLI and the language server.
type Info struct {
	Slug     string   // what learners type: "batch-inference"
	Dir      string   // the package folder under exercises/: "batchinference"
	Title    string   // "Batch inference"
	Order    int      // 1-based position in the workbook
	Level    string   // difficulty label, rising with Order: "introductory", "intermediate", "advanced" (set by the catalog)
	Summary  string   // one sentence
	Patterns []string // the key patterns it teaches, in the seed's words
	// Files holds README.md, guide.md, exercise.go and solution.go.
	Files fs.FS
}

// Speedup times workload over seq and over impl, once each, and returns seq's time divided by impl's. Workloads run on the
// simulated world, whose latencies dominate, so one run of each is enough
// for a ratio; benchmarks repeat it.
func Speedup[I any](ctx context.Context, seq, impl I, workload func(context.Context, I) error) (float64, error) {
	timeIt := func(which string, f I) (time.Duration, error) {
		start := time.Now()
		if err := workload(ctx, f); err != nil {
			return 0, fmt.Errorf("%s workload: %w", which, err)
		}
		return time.Since(start), nil
	}
	s, err := timeIt("sequential", seq)
	if err != nil {
		return 0, err
	}
	c, err := timeIt("implementation", impl)
	if err != nil {
		return 0, err
	}
	if c <= 0 {
		return 0, fmt.Errorf("implementation took no measurable time")
	}
	return float64(s) / float64(c), nil
}
