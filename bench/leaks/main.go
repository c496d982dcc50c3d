// Command leaks measures the goroutine-leak profile against goleak on the
// GoKer blocking-bug kernels that ship with the Go toolchain
// ($GOROOT/src/runtime/testdata/testgoroutineleakprofile/goker), with the
// expectations of the runtime's own test (goroutineleakprofile_test.go:
// for each kernel, regular expressions naming the leaking function and
// what it is blocked on).
//
// It copies the kernels into a scratch package of this module (under the
// ignored practice folder, so that they build with the module's pinned
// goleak), makes their main call goleak.Find after the kernel has written
// its leak profile, builds them once with GOEXPERIMENT=goroutineleakprofile
// and runs every kernel -runs times. In the same run, a kernel counts as
// found by the profile when a goroutine the profile marks leaked matches
// one of its expected leaks (function and wait reason), and as found by
// goleak when a goroutine goleak reports does.
//
//	go run ./bench/leaks [-runs 3] [-parallel 2] [-timeout 30s] [-kernel Cockroach584]
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asyncbook/asyncbook/workbook"
)

// kernel is one GoKer case of the runtime's test.
type kernel struct {
	Name   string
	Flaky  bool // the runtime's test calls its detection flaky
	Simple bool // run with GOMAXPROCS=1, as the runtime's test does
	Leaks  []*regexp.Regexp
}

// outcome is what the runs of one kernel found.
type outcome struct {
	kernel
	Profile, Goleak   bool // some expected leak found, by each detector
	ProfileN, GoleakN int  // runs in which each found one
	FalseProfile      int  // leaked goroutines matching no expected leak (all runs)
	Runs              int
	Errors            []string
}

func main() {
	runs := flag.Int("runs", 3, "runs per kernel")
	parallel := flag.Int("parallel", 2, "kernels run at once")
	timeout := flag.Duration("timeout", 30*time.Second, "time limit of one run")
	only := flag.String("kernel", "", "run only this kernel")
	flag.Parse()
	if err := run(*runs, *parallel, *timeout, *only); err != nil {
		fmt.Fprintln(os.Stderr, "leaks:", err)
		os.Exit(1)
	}
}

func run(runs, parallel int, timeout time.Duration, only string) error {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	rt := filepath.Join(strings.TrimSpace(string(goroot)), "src", "runtime")
	kernels, err := gokerCases(filepath.Join(rt, "goroutineleakprofile_test.go"))
	if err != nil {
		return err
	}
	if only != "" {
		kernels = filter(kernels, only)
	}
	root, err := workbook.FindRoot(".")
	if err != nil {
		return err
	}
	exe, cleanup, err := build(root, filepath.Join(rt, "testdata", "testgoroutineleakprofile", "goker"))
	if err != nil {
		return err
	}
	defer cleanup()

	start := time.Now()
	out := make([]outcome, len(kernels))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, k := range kernels {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = runKernel(exe, k, runs, timeout)
			fmt.Fprintf(os.Stderr, "%-24s profile %d/%d  goleak %d/%d\n", k.Name, out[i].ProfileN, runs, out[i].GoleakN, runs)
		}()
	}
	wg.Wait()
	report(out, runs, time.Since(start))
	return nil
}

func filter(ks []kernel, name string) []kernel {
	var out []kernel
	for _, k := range ks {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// gokerCases reads the runtime test's gokerTestCases: the calls
// makeTest/makeFlakyTest(name, leak regexps...).
func gokerCases(testFile string) ([]kernel, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, testFile, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("read the runtime's test: %w", err)
	}
	var lit *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name == "gokerTestCases" {
			lit, _ = as.Rhs[0].(*ast.CompositeLit)
		}
		return lit == nil
	})
	if lit == nil {
		return nil, errors.New("no gokerTestCases in " + testFile)
	}
	var out []kernel
	for _, elt := range lit.Elts {
		call, ok := elt.(*ast.CallExpr)
		if !ok {
			continue
		}
		fn, _ := call.Fun.(*ast.Ident)
		if fn == nil || len(call.Args) == 0 {
			continue
		}
		var strs []string
		for _, a := range call.Args {
			if bl, ok := a.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				s, err := strconv.Unquote(bl.Value)
				if err != nil {
					return nil, err
				}
				strs = append(strs, s)
			}
		}
		if len(strs) == 0 {
			continue
		}
		k := kernel{Name: strs[0], Flaky: fn.Name == "makeFlakyTest", Simple: fn.Name == "makeTest"}
		for _, s := range strs[1:] {
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, fmt.Errorf("kernel %s: %w", k.Name, err)
			}
			k.Leaks = append(k.Leaks, re)
		}
		out = append(out, k)
	}
	return out, nil
}

// mainSource replaces the kernels' main: after the kernel (which writes
// its leak profile before it returns), goleak reports what still runs.
const mainSource = `package main

import (
	"fmt"
	"os"

	"go.uber.org/goleak"
)

const yieldCount = 10

var cmds = map[string]func(){}

func register(name string, f func()) {
	if cmds[name] != nil {
		panic("duplicate registration: " + name)
	}
	cmds[name] = f
}

func registerInit(name string, f func()) {
	if len(os.Args) >= 2 && os.Args[1] == name {
		f()
	}
}

func main() {
	f := cmds[os.Args[1]]
	if f == nil {
		println("unknown function: " + os.Args[1])
		os.Exit(2)
	}
	f()
	err := goleak.Find()
	fmt.Printf("\n=== goleak\n%v\n", err)
}
`

// build copies the kernels into a scratch package of the module and builds
// them with the goroutine-leak profile.
func build(root, src string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	dir := filepath.Join(root, workbook.PracticeDir, "goker-"+hex.EncodeToString(b))
	cleanup := func() { os.RemoveAll(dir) }
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", cleanup, err
	}
	files, err := filepath.Glob(filepath.Join(src, "*.go"))
	if err != nil || len(files) == 0 {
		return "", cleanup, fmt.Errorf("no kernels in %s: %v", src, err)
	}
	for _, f := range files {
		if filepath.Base(f) == "main.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", cleanup, err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			return "", cleanup, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(mainSource), 0o644); err != nil {
		return "", cleanup, err
	}
	exe := filepath.Join(dir, "goker.exe")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOEXPERIMENT="+workbook.LeakProfileExperiment)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", cleanup, fmt.Errorf("build the kernels: %w\n%s", err, out)
	}
	return exe, cleanup, nil
}

var (
	profileHeader = regexp.MustCompile(`^goroutine \d+ \[([^\]]*)\]:`)
	goleakHeader  = regexp.MustCompile(`Goroutine \d+ in state ([^,]+), with`)
)

func runKernel(exe string, k kernel, runs int, timeout time.Duration) outcome {
	o := outcome{kernel: k, Runs: runs}
	for range runs {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cmd := exec.CommandContext(ctx, exe, k.Name)
		cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
		if k.Simple {
			cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
		}
		cmd.WaitDelay = time.Second
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		cancel()
		if err != nil {
			o.Errors = append(o.Errors, fmt.Sprintf("%v", err))
		}
		prof, gl, _ := strings.Cut(buf.String(), "\n=== goleak\n")
		proven := leakedByProfile(prof)
		if matchAny(k.Leaks, proven) {
			o.ProfileN++
		}
		for _, l := range proven {
			if !matchOne(k.Leaks, l) {
				o.FalseProfile++
			}
		}
		if matchAny(k.Leaks, leakedByGoleak(gl)) {
			o.GoleakN++
		}
	}
	o.Profile, o.Goleak = o.ProfileN > 0, o.GoleakN > 0
	return o
}

// leakedByProfile lists the leaked goroutines of a debug=2 profile as the
// runtime's test names them: "Func(args) [wait reason]", Func being the
// goroutine's own bottom frame (two lines above "created by").
func leakedByProfile(out string) []string {
	var leaks []string
	for _, block := range strings.Split(out, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		m := profileHeader.FindStringSubmatch(lines[0])
		if m == nil || !strings.Contains(m[1], "(leaked)") {
			continue
		}
		if fn := goroutineFunc(lines); fn != "" {
			leaks = append(leaks, fn+" ["+strings.Replace(m[1], " (leaked)", "", 1)+"]")
		}
	}
	return leaks
}

// leakedByGoleak lists the goroutines goleak reported, named the same way.
func leakedByGoleak(out string) []string {
	var leaks []string
	idx := goleakHeader.FindAllStringSubmatchIndex(out, -1)
	for i, m := range idx {
		end := len(out)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		state := strings.Replace(out[m[2]:m[3]], " (leaked)", "", 1)
		lines := strings.Split(strings.TrimSpace(out[m[1]:end]), "\n")
		if fn := goroutineFunc(lines); fn != "" {
			leaks = append(leaks, fn+" ["+state+"]")
		}
	}
	return leaks
}

// goroutineFunc is the frame two lines above the "created by" line, without
// the package name main.
func goroutineFunc(lines []string) string {
	for i := len(lines) - 1; i >= 2; i-- {
		if strings.Contains(lines[i], "created by") {
			return strings.TrimPrefix(strings.TrimSpace(lines[i-2]), "main.")
		}
	}
	return ""
}

func matchOne(res []*regexp.Regexp, leak string) bool {
	for _, re := range res {
		if re.MatchString(leak) {
			return true
		}
	}
	return false
}

func matchAny(res []*regexp.Regexp, leaks []string) bool {
	for _, l := range leaks {
		if matchOne(res, l) {
			return true
		}
	}
	return false
}

func report(out []outcome, runs int, took time.Duration) {
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	var prof, gl, both, falseProf, withLeaks int
	for _, o := range out {
		if len(o.Leaks) == 0 {
			continue
		}
		withLeaks++
		if o.Profile {
			prof++
		}
		if o.Goleak {
			gl++
		}
		if o.Profile && o.Goleak {
			both++
		}
		falseProf += o.FalseProfile
	}
	fmt.Printf("GoKer kernels of the runtime's test: %d (with expected leaks: %d), %d run(s) each, %v in all\n\n", len(out), withLeaks, runs, took.Round(time.Second))
	fmt.Printf("| detector | kernels found (an expected leak at its function, in at least one run) |\n|---|---|\n")
	fmt.Printf("| goroutine-leak profile | %d of %d |\n| goleak (same runs) | %d of %d |\n| both | %d |\n\n", prof, withLeaks, gl, withLeaks, both)
	fmt.Printf("Leaked goroutines the profile reported that match none of the kernel's expected leaks (all runs): %d\n\n", falseProf)
	fmt.Printf("| kernel | flaky in the runtime's test | profile (runs) | goleak (runs) | unexpected profile leaks | errors |\n|---|---|---|---|---|---|\n")
	for _, o := range out {
		errs := ""
		if len(o.Errors) > 0 {
			errs = fmt.Sprintf("%d: %s", len(o.Errors), o.Errors[0])
		}
		fmt.Printf("| %s | %v | %d/%d | %d/%d | %d | %s |\n", o.Name, o.Flaky, o.ProfileN, o.Runs, o.GoleakN, o.Runs, o.FalseProfile, errs)
	}
}
