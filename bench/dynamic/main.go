// Command dynamic measures what the dynamic detectors cost a check: it
// checks each exercise's reference solution (copied into a practice folder
// of the workspace, as a learner's copy) with goleak only, with the
// goroutine-leak profile, with the race detector, and with both (what
// `asyncbook check` does), and prints a markdown table of the check's
// durations and of what each run found (no race and no leak expected).
//
//	go run ./bench/dynamic [-runs 2] [-exercise batch-inference] [-short]
//
// Each configuration is built once before it is timed, so the table shows
// a check with a warm build cache (the first race build is much slower).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook"
)

type config struct {
	name string
	opts workbook.CheckOptions
}

var configs = []config{
	{"goleak only", workbook.CheckOptions{NoRace: true, NoLeakProfile: true}},
	{"+ leak profile", workbook.CheckOptions{NoRace: true}},
	{"+ race", workbook.CheckOptions{NoLeakProfile: true}},
	{"race + leak profile (check)", workbook.CheckOptions{}},
}

func main() {
	runs := flag.Int("runs", 2, "timed checks per configuration")
	only := flag.String("exercise", "", "measure only this exercise")
	short := flag.Bool("short", false, "only goleak-only and the full check (the first and last configurations)")
	flag.Parse()
	if *short {
		configs = []config{configs[0], configs[len(configs)-1]}
	}
	if err := run(*runs, *only); err != nil {
		fmt.Fprintln(os.Stderr, "dynamic:", err)
		os.Exit(1)
	}
}

func run(runs int, only string) error {
	ctx := context.Background()
	root, err := workbook.FindRoot(".")
	if err != nil {
		return err
	}
	w, err := workbook.Open(root)
	if err != nil {
		return err
	}
	fmt.Printf("| exercise | configuration | check (median of %d) | ratio | races | leaks | failed properties |\n|---|---|---|---|---|---|---|\n", runs)
	for _, e := range w.Exercises() {
		if only != "" && e.Info.Slug != only {
			continue
		}
		dir, err := referenceCopy(w, e, root)
		if err != nil {
			return err
		}
		var base time.Duration
		for _, c := range configs {
			opts := c.opts
			opts.Speedup = true
			if _, err := w.CheckDir(ctx, e, dir, opts); err != nil { // warm the build cache
				os.RemoveAll(dir)
				return err
			}
			var times []time.Duration
			var last *workbook.CheckResult
			for range runs {
				res, err := w.CheckDir(ctx, e, dir, opts)
				if err != nil {
					os.RemoveAll(dir)
					return err
				}
				times = append(times, res.Duration)
				last = res
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			med := times[len(times)/2]
			if base == 0 {
				base = med
			}
			fmt.Printf("| %s | %s | %.1fs | %.2f | %d | %d | %v |\n", e.Info.Slug, c.name, med.Seconds(), med.Seconds()/base.Seconds(),
				len(last.Races), len(last.Leaks), suite.Failed(last.Properties))
		}
		os.RemoveAll(dir)
	}
	return nil
}

// referenceCopy writes the reference solution as a practice copy in a
// fresh folder of the workspace's practice directory.
func referenceCopy(w *workbook.Workbook, e *workbook.Exercise, root string) (string, error) {
	src, err := w.ReferenceSource(e)
	if err != nil {
		return "", err
	}
	test, err := workbook.SolveTestSource(e)
	if err != nil {
		return "", err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	dir := filepath.Join(root, workbook.PracticeDir, "bench-"+e.Info.Dir+"-"+hex.EncodeToString(b))
	return dir, workbook.WritePractice(dir, src, test)
}
