package workbook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DetectorStillRunning marks a goroutine that `asyncbook leaks` found still
// running, in the module's code, after a package's tests, and that the
// goroutine-leak profile did not prove leaked: goleak's kind of evidence
// (it may only be slow, or spin forever).
const DetectorStillRunning = "still-running"

// LeaksOptions tune RunLeaks.
type LeaksOptions struct {
	Dir      string        // the folder go test runs in (inside the module)
	Patterns []string      // packages; none means ./...
	Race     bool          // also run with the race detector
	Timeout  time.Duration // go test's -timeout; zero means 10m
	// Output, when set, receives go test's output as it runs.
	Output io.Writer
}

// LeakFinding is a leaked goroutine as a file:line:col finding.
type LeakFinding struct {
	Leak
	Package string `json:"package"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// LeaksResult is what RunLeaks found.
type LeaksResult struct {
	Leaks     []LeakFinding `json:"leaks"`
	Races     []Race        `json:"races,omitempty"`
	Detectors []string      `json:"detectors"`
	Notes     []string      `json:"notes,omitempty"`
	// Failed are the packages whose tests failed or did not build (their
	// leaks are still reported).
	Failed []string `json:"failed,omitempty"`
	Output string   `json:"-"`
}

// listedPackage is what go list says of a package.
type listedPackage struct {
	Dir          string
	ImportPath   string
	Name         string
	TestGoFiles  []string
	XTestGoFiles []string
}

// leaksEnv names where the injected reporter writes its dumps.
const leaksEnv = "ASYNCBOOK_LEAKS_OUT"

// RunLeaks runs the tests of any module's packages with the goroutine-leak
// profile and reports the goroutines left leaked after each package's
// tests: proven ones (blocked where nothing can wake them) at their go
// statement, and those merely still running. It adds to each package with
// tests, through a go build overlay (the module is not modified), a
// reporter that runs after the package's tests: a TestMain when the
// package has none, else a last test. Without the experiment in the
// toolchain it says so and reports only what is still running.
func RunLeaks(ctx context.Context, opts LeaksOptions) (*LeaksResult, error) {
	res := &LeaksResult{Leaks: []LeakFinding{}}
	patterns := opts.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	pkgs, err := listPackages(ctx, dir, patterns)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "asyncbook-leaks-")
	if err != nil {
		return nil, fmt.Errorf("leaks: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, fmt.Errorf("leaks: %w", err)
	}
	overlay := map[string]string{}
	var tested []string
	for i, p := range pkgs {
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		src := reporterSource(p, hasTestMain(p))
		file := filepath.Join(tmp, fmt.Sprintf("reporter%d.go", i))
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			return nil, fmt.Errorf("leaks: %w", err)
		}
		overlay[filepath.Join(p.Dir, "zzzz_asyncbook_leaks_test.go")] = file
		tested = append(tested, p.ImportPath)
	}
	if len(tested) == 0 {
		res.Notes = append(res.Notes, "no package with tests matches "+strings.Join(patterns, " "))
		return res, nil
	}
	ov, _ := json.Marshal(map[string]any{"Replace": overlay})
	ovPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
		return nil, fmt.Errorf("leaks: %w", err)
	}

	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	args := []string{"test", "-count=1", "-overlay", ovPath, "-timeout", timeout.String()}
	if opts.Race {
		args = append(args, "-race")
		res.Detectors = append(res.Detectors, "race")
	}
	env := append(os.Environ(), leaksEnv+"="+out)
	if exp, err := withLeakProfile(ctx, dir); err != nil {
		res.Notes = append(res.Notes, err.Error())
	} else {
		env = append(env, "GOEXPERIMENT="+exp)
		res.Detectors = append(res.Detectors, DetectorLeakProfile)
	}
	res.Detectors = append(res.Detectors, DetectorStillRunning)
	cmd := exec.CommandContext(ctx, "go", append(args, tested...)...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, 5*time.Second
	var buf bytes.Buffer
	var w io.Writer = &buf
	if opts.Output != nil {
		w = io.MultiWriter(&buf, opts.Output)
	}
	cmd.Stdout, cmd.Stderr = w, w
	runErr := cmd.Run()
	res.Output = buf.String()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("leaks: %w", ctx.Err())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return nil, fmt.Errorf("leaks: run go test: %w", runErr)
	}
	res.Failed = failedPackages(res.Output)
	if opts.Race {
		res.Races = parseRaces(res.Output, dir)
	}
	dumps, err := filepath.Glob(filepath.Join(out, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(dumps)
	for _, d := range dumps {
		b, err := os.ReadFile(d)
		if err != nil {
			return nil, err
		}
		pkg, dump, _ := strings.Cut(string(b), "\n")
		leaks := parseLeakProfile(dump, "", dir)
		proven := profileIDsLeaked(dump)
		leaks = append(leaks, parseStillRunning(dump, proven, dir)...)
		for _, l := range leaks {
			res.Leaks = append(res.Leaks, LeakFinding{Leak: l, Package: pkg, Col: goStmtCol(l.File, l.Line), Message: leakFindingMessage(l)})
		}
	}
	return res, nil
}

func listPackages(ctx context.Context, dir string, patterns []string) ([]listedPackage, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-e", "-json=Dir,ImportPath,Name,TestGoFiles,XTestGoFiles"}, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("leaks: list %s: %w: %s", strings.Join(patterns, " "), err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("leaks: read go list: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// hasTestMain reports whether the package's tests declare TestMain.
func hasTestMain(p listedPackage) bool {
	fset := token.NewFileSet()
	for _, n := range append(append([]string(nil), p.TestGoFiles...), p.XTestGoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "TestMain" {
				return true
			}
		}
	}
	return false
}

// reporterSource is the file added to a package's external tests: after
// the tests (from TestMain, or as the last test when the package has its
// own TestMain) it lets running goroutines settle for up to two seconds,
// then writes every goroutine's stack, the leaked ones marked by the
// goroutine-leak profile when the binary has it, to $ASYNCBOOK_LEAKS_OUT.
func reporterSource(p listedPackage, testMain bool) string {
	hook := `func TestMain(m *testing.M) {
	code := m.Run()
	asyncbookReportLeaks(1)
	os.Exit(code)
}`
	if testMain {
		hook = `func TestZZZAsyncbookLeaks(t *testing.T) { asyncbookReportLeaks(2) }`
	}
	return fmt.Sprintf(`package %s_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

%s

func asyncbookReportLeaks(own int) {
	dir := os.Getenv(%q)
	if dir == "" {
		return
	}
	var dump []byte
	deadline := time.Now().Add(2 * time.Second)
	for wait := time.Millisecond; ; wait *= 2 {
		var buf bytes.Buffer
		if p := pprof.Lookup("goroutineleak"); p != nil {
			_ = p.WriteTo(&buf, 2)
		} else {
			b := make([]byte, 1<<20)
			for {
				n := runtime.Stack(b, true)
				if n < len(b) {
					buf.Write(b[:n])
					break
				}
				b = make([]byte, 2*len(b))
			}
		}
		dump = buf.Bytes()
		leaked := strings.Count(buf.String(), "(leaked)")
		if runtime.NumGoroutine()-leaked <= own || time.Now().After(deadline) {
			break
		}
		time.Sleep(min(wait, 200*time.Millisecond))
	}
	name := filepath.Join(dir, fmt.Sprintf("%%d.txt", os.Getpid()))
	_ = os.WriteFile(name, append([]byte(%q+"\n"), dump...), 0o644)
}
`, p.Name, hook, leaksEnv, p.ImportPath)
}

// failLine is go test's verdict line of a package that failed.
var failLine = regexp.MustCompile(`(?m)^FAIL\s+(\S+)(?:\s|$)`)

func failedPackages(output string) []string {
	var out []string
	for _, m := range failLine.FindAllStringSubmatch(output, -1) {
		out = append(out, m[1])
	}
	return out
}

// profileIDsLeaked returns the ids of the goroutines a dump marks leaked.
func profileIDsLeaked(dump string) map[string]bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(dump, "\n") {
		if m := profileHeader.FindStringSubmatch(strings.TrimSpace(line)); m != nil && strings.Contains(m[2], "(leaked)") {
			ids[m[1]] = true
		}
	}
	return ids
}

// parseStillRunning reads the goroutines of a dump that are not proven
// leaked but still run code outside the Go distribution: not the main
// goroutine, not the one writing the dump, not the testing package's own.
func parseStillRunning(dump string, proven map[string]bool, dir string) []Leak {
	var leaks []Leak
	seen := map[string]int{}
	for _, block := range strings.Split(dump, "\n\n") {
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		m := profileHeader.FindStringSubmatch(strings.TrimSpace(lines[0]))
		if m == nil || proven[m[1]] || m[1] == "1" {
			continue
		}
		state, _, _ := strings.Cut(m[2], ",")
		if state == "running" || strings.Contains(block, "asyncbookReportLeaks") {
			continue
		}
		frames, created := parseFrames(lines[1:])
		top, ok := pick(frames, "")
		if !ok || isStd(top) {
			continue // only the distribution's code: the runtime's or testing's own
		}
		l := Leak{State: state, Function: top.Func, Detector: DetectorStillRunning, Stack: strings.Join(lines[1:], "\n")}
		if created != nil && inDir(created.File, dir) {
			l.File, l.Line = created.File, created.Line
		} else if f, ok := pick(frames, dir); ok && inDir(f.File, dir) {
			l.File, l.Line = f.File, f.Line
		} else if created != nil {
			l.File, l.Line = created.File, created.Line
		}
		key := fmt.Sprintf("%s:%d|%s|%s", l.File, l.Line, l.Function, l.State)
		if k, ok := seen[key]; ok {
			leaks[k].Count++
			continue
		}
		l.Count = 1
		seen[key] = len(leaks)
		leaks = append(leaks, l)
	}
	return leaks
}

// goStmtCol returns the column of the go statement at file:line (1 when
// there is none, or the file does not parse).
func goStmtCol(file string, line int) int {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return 1
	}
	col := 1
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok && col == 1 {
			if p := fset.Position(g.Go); p.Line == line {
				col = p.Column
			}
		}
		return col == 1
	})
	return col
}

func leakFindingMessage(l Leak) string {
	who := "goroutine started here"
	if l.Count > 1 {
		who = fmt.Sprintf("%d goroutines started here", l.Count)
	}
	if l.Proven() {
		what := l.BlockedOn
		if what == "" {
			what = l.State
		}
		return fmt.Sprintf("%s leaked: blocked forever on %s (proven by the goroutine-leak profile)", who, what)
	}
	return fmt.Sprintf("%s still running after the tests: %s in %s (not proven leaked: it may be slow, or spin)", who, l.State, l.Function)
}
