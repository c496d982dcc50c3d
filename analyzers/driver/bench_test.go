package driver_test

import (
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"

	"github.com/asyncbook/asyncbook/analyzers/driver"
	"github.com/asyncbook/asyncbook/analyzers/registry"
)

// BenchmarkDriverOverhead measures what the driver adds to a run of the
// analysis framework (settings, wrapping, directives, the Ignore analyzer,
// conversion) on an exercise package, against the bare checker with the
// same analyzers, in one run: compare the two ns/op.
func BenchmarkDriverOverhead(b *testing.B) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "exercises", "batchinference"))
	if err != nil {
		b.Fatal(err)
	}
	pkgs, err := driver.Load(context.Background(), driver.LoadConfig{Dir: dir, Patterns: []string{"."}})
	if err != nil {
		b.Fatal(err)
	}
	var as []*analysis.Analyzer
	for _, e := range registry.Entries() {
		as = append(as, e.Analyzer)
	}
	b.Run("checker", func(b *testing.B) {
		for b.Loop() {
			if _, err := checker.Analyze(as, pkgs, &checker.Options{Sequential: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("driver", func(b *testing.B) {
		for b.Loop() {
			if _, err := driver.Analyze(context.Background(), pkgs, driver.Options{Sequential: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
