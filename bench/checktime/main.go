// Command checktime measures how long a warm `asyncbook check` of each
// exercise takes (issues #13 and #14): the reference solution is written as
// a practice copy (a fresh folder in the workspace's practice directory, as
// `asyncbook start` makes one), checked once to warm the build cache, then
// checked -rounds more times with everything a check does (-race, the
// goroutine-leak profile, goleak, the speedup, the analyzers). The rounds
// go over the exercises in turn, so a burst of load on the machine falls on
// all of them. It prints a markdown table with the load average before and
// after; it asserts nothing (a time is not a verdict).
//
//	go run ./bench/checktime [-rounds 3] [-exercise batch-inference]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/asyncbook/asyncbook/exercises/suite"
	"github.com/asyncbook/asyncbook/workbook"
)

func main() {
	rounds := flag.Int("rounds", 3, "timed warm checks per exercise")
	only := flag.String("exercise", "", "measure only this exercise (slug)")
	flag.Parse()
	if err := run(*rounds, *only); err != nil {
		fmt.Fprintln(os.Stderr, "checktime:", err)
		os.Exit(1)
	}
}

type measured struct {
	e     *workbook.Exercise
	dir   string
	times []time.Duration
	last  *workbook.CheckResult
}

func run(rounds int, only string) error {
	ctx := context.Background()
	root, err := workbook.FindRoot(".")
	if err != nil {
		return err
	}
	w, err := workbook.Open(root)
	if err != nil {
		return err
	}
	var ms []*measured
	defer func() {
		for _, m := range ms {
			os.RemoveAll(m.dir)
		}
	}()
	for _, e := range w.Exercises() {
		if only != "" && e.Info.Slug != only {
			continue
		}
		dir, err := referenceCopy(w, e, root)
		ms = append(ms, &measured{e: e, dir: dir})
		if err != nil {
			return err
		}
	}
	if len(ms) == 0 {
		return fmt.Errorf("no exercise %q", only)
	}
	opts := workbook.CheckOptions{Speedup: true} // what `asyncbook check` does
	for _, m := range ms {
		if _, err := w.CheckDir(ctx, m.e, m.dir, opts); err != nil { // warm the build cache
			return err
		}
	}
	before := loadavg()
	for range rounds {
		for _, m := range ms {
			res, err := w.CheckDir(ctx, m.e, m.dir, opts)
			if err != nil {
				return err
			}
			m.times = append(m.times, res.Duration)
			m.last = res
		}
	}
	after := loadavg()

	fmt.Printf("Warm `asyncbook check` of the reference solution, %d rounds; load average %s before, %s after.\n\n", rounds, before, after)
	fmt.Println("| exercise | median | min | max | suite (sum of properties) | speedup | passed |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, m := range ms {
		slices.Sort(m.times)
		var props time.Duration
		for _, p := range m.last.Properties {
			props += p.Elapsed
		}
		sp := "-"
		if m.last.Speedup != nil {
			sp = fmt.Sprintf("%.2f× (ideal %.2f×)", m.last.Speedup.Measured, m.last.Speedup.Ideal)
		}
		passed := fmt.Sprint(m.last.Passed)
		if f := suite.Failed(m.last.Properties); len(f) > 0 {
			passed += " (failed " + strings.Join(f, ", ") + ")"
		}
		fmt.Printf("| %s | %.1fs | %.1fs | %.1fs | %.1fs | %s | %s |\n", m.e.Info.Slug, secs(m.times[len(m.times)/2]),
			secs(m.times[0]), secs(m.times[len(m.times)-1]), secs(props), sp, passed)
	}
	return nil
}

func secs(d time.Duration) float64 { return d.Seconds() }

// loadavg returns the 1, 5 and 15 minute load averages, or "?".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
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
