// Command lockkernels runs the lock rules over the toolchain's GoKer kernels
// and prints each finding (with -todo, in verdicts.tsv's format for the
// findings that have no verdict yet), or the report (-report).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/asyncbook/asyncbook/bench/lockkernels"
)

func main() {
	report := flag.Bool("report", false, "print the markdown report")
	verdicts := flag.String("verdicts", "bench/lockkernels/verdicts.tsv", "verdicts file")
	flag.Parse()
	if err := run(*report, *verdicts); err != nil {
		fmt.Fprintln(os.Stderr, "lockkernels:", err)
		os.Exit(1)
	}
}

func run(report bool, verdictsFile string) error {
	ctx := context.Background()
	dir, err := lockkernels.Dir(ctx)
	if err != nil {
		return err
	}
	kernels, err := lockkernels.Kernels(dir)
	if err != nil {
		return err
	}
	findings, err := lockkernels.Run(ctx, dir, lockkernels.Analyzers())
	if err != nil {
		return err
	}
	vs, err := lockkernels.LoadVerdicts(verdictsFile)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if report {
		fmt.Print(lockkernels.Report(kernels, findings, vs))
		return nil
	}
	for _, f := range findings {
		v, ok := lockkernels.Judge(vs, f)
		kind := "TODO"
		if ok {
			kind = "off-bug"
			if v.AtBug {
				kind = "at-bug"
			}
		}
		fmt.Printf("%s\t%s\t%d\t%s\t%s\n", kind, f.File, f.Line, f.Analyzer, f.Message)
	}
	return nil
}
