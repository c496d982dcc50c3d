// Package lockkernels measures asyncbook's lock rules (lockleak,
// doublelock, lockorder, lockblock) on the GoKer kernels that ship with the
// Go toolchain ($GOROOT/src/runtime/testdata/testgoroutineleakprofile/goker):
// which resource-deadlock kernels (double locking, AB-BA, RWR, missing
// unlock, as the kernels' README classifies them) get a finding, and what
// the rules say about the other kernels.
package lockkernels

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Kernel is one GoKer kernel with the README's classification.
type Kernel struct {
	Name    string // Cockroach/584
	File    string // cockroach584.go
	Type    string // Resource, Communication, Mixed
	SubType string // Double locking, AB-BA deadlock, ...
}

// Finding is one diagnostic on the kernels.
type Finding struct {
	File     string // base name
	Line     int
	Analyzer string
	Message  string
}

// Dir returns the kernels' folder in the toolchain that runs go.
func Dir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src", "runtime", "testdata", "testgoroutineleakprofile", "goker"), nil
}

var (
	heading = regexp.MustCompile(`^## (\S+)/(\S+)\s*$`)
	row     = regexp.MustCompile(`^\|\[[^\]]+\]\|[^|]*\|[^|]*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|`)
)

// Kernels reads the classification of every kernel from the README.
func Kernels(dir string) ([]Kernel, error) {
	f, err := os.Open(filepath.Join(dir, "README.md"))
	if err != nil {
		return nil, fmt.Errorf("read the kernels' README: %w", err)
	}
	defer f.Close()
	var out []Kernel
	var cur *Kernel
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			out = append(out, Kernel{Name: m[1] + "/" + m[2], File: strings.ToLower(m[1]) + m[2] + ".go"})
			cur = &out[len(out)-1]
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil && cur != nil && cur.Type == "" {
			cur.Type, cur.SubType = m[1], m[2]
		}
	}
	return out, sc.Err()
}

// Resource reports whether the README classifies k as a resource deadlock.
func (k Kernel) Resource() bool { return strings.EqualFold(k.Type, "Resource") }

// Run copies the kernels into a scratch module and runs the analyzers over
// them, returning the findings sorted by file and line.
func Run(ctx context.Context, dir string, analyzers []*analysis.Analyzer) ([]Finding, error) {
	tmp, err := os.MkdirTemp("", "lockkernels")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module goker\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.LoadAllSyntax,
		Dir:     tmp,
		Env:     append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("load the kernels: %w", err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		return nil, fmt.Errorf("the kernels do not type-check")
	}
	g, err := checker.Analyze(analyzers, pkgs, &checker.Options{})
	if err != nil {
		return nil, err
	}
	var out []Finding
	for act := range g.All() {
		if !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			p := act.Package.Fset.Position(d.Pos)
			out = append(out, Finding{File: filepath.Base(p.Filename), Line: p.Line, Analyzer: act.Analyzer.Name, Message: d.Message})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}

// Verdict says whether a finding on a kernel is at the kernel's bug.
type Verdict struct {
	AtBug   bool
	Finding Finding
	Why     string
}

// LoadVerdicts reads verdicts.tsv: at-bug|off-bug, file, line, analyzer, why.
func LoadVerdicts(path string) (map[string]Verdict, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]Verdict{}
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[0] != "at-bug" && f[0] != "off-bug" || strings.TrimSpace(f[4]) == "" {
			return nil, fmt.Errorf("%s:%d: want at-bug|off-bug, file, line, analyzer, why", path, i+1)
		}
		var n int
		if _, err := fmt.Sscan(f[2], &n); err != nil {
			return nil, fmt.Errorf("%s:%d: line %q: %w", path, i+1, f[2], err)
		}
		v := Verdict{AtBug: f[0] == "at-bug", Finding: Finding{File: f[1], Line: n, Analyzer: f[3]}, Why: f[4]}
		out[v.Finding.key()] = v
	}
	return out, nil
}

func (f Finding) key() string { return fmt.Sprintf("%s:%d:%s", f.File, f.Line, f.Analyzer) }

// Judge returns the verdict of a finding, if it has one.
func Judge(vs map[string]Verdict, f Finding) (Verdict, bool) {
	v, ok := vs[f.key()]
	return v, ok
}
