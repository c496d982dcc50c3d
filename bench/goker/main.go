// Command goker measures asyncvet, go vet and staticcheck on GoKer, the
// blocking-bug kernels (Kubernetes, etcd, gRPC, CockroachDB, Moby, ...)
// that ship with the Go toolchain in
// $GOROOT/src/runtime/testdata/testgoroutineleakprofile/goker.
//
// The runtime's own test (goroutineleakprofile_test.go) names, for each
// kernel it runs, the functions whose goroutines leak and on what. A tool is
// "at the bug" on a kernel when one of its findings lies inside such a
// function, "off the bug" when it reports in the kernel's file but never
// inside one. The scoring is read from the test file, never written by hand.
// The bench also runs every kernel with the goroutine-leak profile and reads
// the leaked goroutines' whole stacks, to tell an off-the-bug finding in a
// function the blocked goroutine is in from one elsewhere.
//
//	go run ./bench/goker                 # the report, on stdout
//	go run ./bench/goker -o docs/reports/goker.md
//	go run ./bench/goker -findings       # every finding, kernel by kernel
//
// staticcheck is built from the nested module bench/goker/tools, which pins
// its version.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

func main() {
	out := flag.String("o", "", "write the report to this file (default stdout)")
	noSC := flag.Bool("nostaticcheck", false, "leave staticcheck out")
	findings := flag.Bool("findings", false, "list asyncvet's findings per kernel instead of the report")
	flag.Parse()
	if err := run(context.Background(), *out, !*noSC, *findings); err != nil {
		fmt.Fprintln(os.Stderr, "goker:", err)
		os.Exit(1)
	}
}

// Paths returns the kernels' folder and the runtime test's file.
func Paths() (string, string, error) {
	b, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(b))
	rt := filepath.Join(root, "src", "runtime")
	return filepath.Join(rt, "testdata", "testgoroutineleakprofile", "goker"), filepath.Join(rt, "goroutineleakprofile_test.go"), nil
}

// Bench is the kernels, their source, and a temporary module holding them.
type Bench struct {
	Kernels []Kernel
	Source  *Source
	Dir     string
}

// Setup reads the expectations and copies the kernels into dir.
func Setup(dir string) (*Bench, error) {
	kdir, testFile, err := Paths()
	if err != nil {
		return nil, err
	}
	kernels, err := ParseExpectations(testFile)
	if err != nil {
		return nil, err
	}
	if err := CopyKernels(kdir, dir); err != nil {
		return nil, err
	}
	src, err := ParseSource(dir)
	if err != nil {
		return nil, err
	}
	return &Bench{Kernels: kernels, Source: src, Dir: dir}, nil
}

type column struct {
	name    string
	results map[string]Result
}

func run(ctx context.Context, outPath string, withSC, listFindings bool) error {
	tmp, err := os.MkdirTemp("", "goker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	kdir := filepath.Join(tmp, "goker")
	if err := os.Mkdir(kdir, 0o755); err != nil {
		return err
	}
	b, err := Setup(kdir)
	if err != nil {
		return err
	}
	leaked, err := RunKernels(ctx, b, tmp)
	if err != nil {
		return err
	}
	all, err := Asyncvet(ctx, kdir)
	if err != nil {
		return err
	}
	if listFindings {
		return list(os.Stdout, b, all, leaked)
	}
	cols := []column{
		{"asyncvet", Score(b.Source, b.Kernels, InDefaultProfile(all), leaked)},
		{"asyncvet -profile=strict", Score(b.Source, b.Kernels, all, leaked)},
	}
	vet, err := GoVet(ctx, kdir)
	if err != nil {
		return err
	}
	cols = append(cols, column{"go vet", Score(b.Source, b.Kernels, vet, leaked)})
	scVersion := ""
	if withSC {
		toolsDir, err := toolsModule()
		if err != nil {
			return err
		}
		bin, v, err := BuildStaticcheck(ctx, toolsDir, tmp)
		if err != nil {
			return err
		}
		scVersion = v
		sc, err := Staticcheck(ctx, bin, kdir)
		if err != nil {
			return err
		}
		cols = append(cols, column{"staticcheck", Score(b.Source, b.Kernels, sc, leaked)})
	}
	w := io.Writer(os.Stdout)
	if outPath != "" {
		f, err := os.Create(outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	report(w, b, cols, scVersion, leaked)
	return nil
}

// kernelRuns is how often a kernel is run, at most, to see its leaks (the
// runtime's test runs its flaky cases ten times).
const kernelRuns = 10

// RunKernels builds the kernels and runs each one, returning the goroutines
// each leaked.
func RunKernels(ctx context.Context, b *Bench, binDir string) (map[string][]Stack, error) {
	exe, err := BuildKernels(ctx, b.Dir, binDir)
	if err != nil {
		return nil, err
	}
	out := map[string][]Stack{}
	for _, k := range b.Kernels {
		st, err := LeakedStacks(ctx, exe, k, kernelRuns)
		if err != nil {
			return nil, err
		}
		out[k.Name] = st
	}
	return out, nil
}

// toolsModule finds bench/goker/tools next to this source file's package
// (the command runs from the repository).
func toolsModule() (string, error) {
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/asyncbook/asyncbook/bench/goker")
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("find bench/goker: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(b)), "tools"), nil
}

func list(w io.Writer, b *Bench, fs []Finding, leaked map[string][]Stack) error {
	for _, k := range b.Kernels {
		file := b.Source.DeclIn[k.Name]
		fmt.Fprintf(w, "== %s (%s) %s\n", k.Name, file, strings.Join(k.Reasons(), ", "))
		for _, fn := range b.Source.Leaking(k) {
			fmt.Fprintf(w, "   leaking %s %d-%d\n", fn.Name, fn.Start.Line, fn.End.Line)
		}
		for _, fn := range b.Source.Frames(leaked[k.Name]) {
			fmt.Fprintf(w, "   on a leaked stack %s %d-%d\n", fn.Name, fn.Start.Line, fn.End.Line)
		}
		for _, f := range fs {
			if f.File == file {
				fmt.Fprintf(w, "   %s:%d:%d %s: %s\n", f.File, f.Line, f.Col, f.Check, f.Message)
			}
		}
	}
	return nil
}

func report(w io.Writer, b *Bench, cols []column, scVersion string, leaked map[string][]Stack) {
	fmt.Fprintf(w, "# GoKer: blocking bugs found at the bug\n\n")
	fmt.Fprintf(w, "Reproduce: `go run ./bench/goker -o docs/reports/goker.md` (%s, %s/%s).\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "The kernels are the toolchain's copy of GoKer (`$GOROOT/src/runtime/testdata/testgoroutineleakprofile/goker`, MIT), ")
	fmt.Fprintf(w, "loaded as one module. The expectations are read from the runtime's test, `goroutineleakprofile_test.go`: ")
	fmt.Fprintf(w, "for each of its %d GoKer cases, the functions whose goroutines leak. A tool is **at the bug** on a kernel when a finding ", len(b.Kernels))
	fmt.Fprintf(w, "lies inside one of those functions (their closures included), **off the bug** when it reports in the kernel's file but never inside one. ")
	fmt.Fprintf(w, "Channel kernels are those whose every expected leak waits on a channel (`chan send`, `chan receive`, `select`).\n\n")
	seen := 0
	var unseen []string
	for _, k := range b.Kernels {
		if sawAll(k, leaked[k.Name]) {
			seen++
		} else {
			unseen = append(unseen, k.Name)
		}
	}
	missing := ""
	if len(unseen) > 0 {
		missing = "; not all in " + strings.Join(unseen, ", ") + " in this run"
	}
	fmt.Fprintf(w, "The runtime's test names a leaked goroutine by the function it was started with, not by the frame where it blocks. ")
	fmt.Fprintf(w, "So the bench also runs every kernel, built as the test builds them (`GOEXPERIMENT=goroutineleakprofile`, up to %d runs each, until every expected leak shows), ", kernelRuns)
	fmt.Fprintf(w, "and reads the leaked goroutines' whole stacks from the runtime's goroutine-leak profile (every expected leak seen in %d of the %d kernels%s). ", seen, len(b.Kernels), missing)
	fmt.Fprintf(w, "An off-the-bug kernel counts as **on the stack** when a finding lies in a function that is a frame of a leaked goroutine: the goroutine the test names is blocked inside it, ")
	fmt.Fprintf(w, "as in a double lock reported in the callee that re-locks. It says where a finding is, not that it explains the leak (a style check in such a function counts too).\n\n")
	fmt.Fprintf(w, "`asyncvet` is the default profile, `-profile=strict` every analyzer of the suite; go vet and staticcheck run their default checks")
	if scVersion != "" {
		fmt.Fprintf(w, " (%s, pinned in bench/goker/tools/go.mod)", scVersion)
	}
	fmt.Fprintf(w, ".\n\n")

	fmt.Fprintf(w, "| tool | at the bug | only off the bug | of which on the stack | silent | channel kernels at the bug |\n|---|---|---|---|---|---|\n")
	for _, c := range cols {
		t := tally(b.Kernels, c.results, func(Kernel) bool { return true })
		ch := tally(b.Kernels, c.results, Kernel.Channel)
		fmt.Fprintf(w, "| %s | %d / %d | %d | %d | %d | %d / %d |\n", c.name, t.AtBug, t.Of, t.Off, t.OffOnStack, t.Silent, ch.AtBug, ch.Of)
	}
	fmt.Fprintf(w, "\n## Kernel by kernel\n\n")
	fmt.Fprintf(w, "Each cell: **bug**, off (on the stack) or off, with the checks that reported there; - is no finding in the kernel's file.\n\n")
	fmt.Fprintf(w, "| kernel | leaks on |")
	for _, c := range cols {
		fmt.Fprintf(w, " %s |", c.name)
	}
	fmt.Fprintf(w, "\n|---|---|")
	for range cols {
		fmt.Fprintf(w, "---|")
	}
	fmt.Fprintln(w)
	for _, k := range b.Kernels {
		fmt.Fprintf(w, "| %s | %s |", k.Name, strings.Join(k.Reasons(), ", "))
		for _, c := range cols {
			fmt.Fprintf(w, " %s |", c.results[k.Name].cell())
		}
		fmt.Fprintln(w)
	}
}
