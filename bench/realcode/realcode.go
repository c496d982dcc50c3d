// Package realcode is asyncbook's real-code benchmark: the analyzer suite
// run, as `go vet -vettool`, over pinned modules nobody here wrote (their
// versions are in modules/go.mod, a module of its own) and the standard
// library, and every finding, of every profile, matched against a committed
// verdict (verdicts.tsv): real, debatable or false alarm, with one line of
// why. A finding with no verdict fails the test, so a rule change shows its
// effect on real code; the default profile's precision is measured on it.
package realcode

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/module"

	"github.com/asyncbook/asyncbook/analyzers/registry"
	"github.com/asyncbook/asyncbook/editors/ci/report"
)

// Finding is one diagnostic, placed by module and file so that it reads the
// same on every machine.
type Finding struct {
	Module   string // module path, or "std"
	File     string // slash-separated, relative to the module's root (GOROOT/src for std)
	Line     int
	Analyzer string
	Message  string
}

func (f Finding) key() string {
	return f.Module + "\t" + f.File + "\t" + f.Analyzer + "\t" + f.Message
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s:%d: %s: %s", f.Module, f.File, f.Line, f.Analyzer, f.Message)
}

// Kind is a verdict on a finding.
type Kind string

const (
	Real       Kind = "real"      // a bug worth fixing
	Debatable  Kind = "debatable" // defensible either way; worth a look
	FalseAlarm Kind = "false"     // the code is right
	Todo       Kind = "TODO"      // printed for unjudged findings; never valid in the file
	lineSlack       = 40          // how far a finding may drift from its verdict's line
	fieldCount      = 7           // kind, module, file, line, analyzer, message, why
	header          = "# verdict\tmodule\tfile\tline\tanalyzer\tmessage\twhy"
)

// Verdict is one judged finding.
type Verdict struct {
	Kind    Kind
	Finding Finding
	Why     string
	Line    int // the line of verdicts.tsv it came from
}

// Format renders v as a line of verdicts.tsv.
func (v Verdict) Format() string {
	f := v.Finding
	return strings.Join([]string{string(v.Kind), f.Module, f.File, strconv.Itoa(f.Line), f.Analyzer, f.Message, v.Why}, "\t")
}

// ParseVerdicts reads verdicts.tsv: one verdict a line, tab-separated
// (kind, module, file, line, analyzer, message, why); # starts a comment.
func ParseVerdicts(r io.Reader) ([]Verdict, error) {
	var out []Verdict
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "\t")
		if len(fs) != fieldCount {
			return nil, fmt.Errorf("verdicts line %d: want %d tab-separated fields (verdict, module, file, line, analyzer, message, why), got %d", n, fieldCount, len(fs))
		}
		k := Kind(fs[0])
		switch k {
		case Real, Debatable, FalseAlarm:
		default:
			return nil, fmt.Errorf("verdicts line %d: verdict %q is not one of real, debatable, false", n, fs[0])
		}
		ln, err := strconv.Atoi(fs[3])
		if err != nil || ln <= 0 {
			return nil, fmt.Errorf("verdicts line %d: line %q is not a positive number", n, fs[3])
		}
		why := strings.TrimSpace(fs[6])
		if why == "" || why == "TODO" {
			return nil, fmt.Errorf("verdicts line %d: say why in the last field", n)
		}
		out = append(out, Verdict{Kind: k, Finding: Finding{Module: fs[1], File: fs[2], Line: ln, Analyzer: fs[4], Message: fs[5]}, Why: why, Line: n})
	}
	return out, sc.Err()
}

// LoadVerdicts reads a verdicts file.
func LoadVerdicts(path string) ([]Verdict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load verdicts: %w", err)
	}
	defer f.Close()
	vs, err := ParseVerdicts(f)
	if err != nil {
		return nil, fmt.Errorf("load verdicts %s: %w", path, err)
	}
	return vs, nil
}

// Judged is a finding with the verdict it matched.
type Judged struct {
	Finding Finding
	Verdict Verdict
}

// Match pairs findings with verdicts of the same module, file, analyzer and
// message whose line is at most lineSlack away; each verdict judges one
// finding. Within a file, findings and verdicts are paired in line order
// (code moves as a block), as many as can be, nearest first. It returns the
// judged findings, the findings no verdict matched and the verdicts no
// finding matched (stale).
func Match(findings []Finding, verdicts []Verdict) (judged []Judged, unjudged []Finding, stale []Verdict) {
	type group struct {
		fs []int
		vs []int
	}
	groups := map[string]*group{}
	var order []string
	get := func(k string) *group {
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		return g
	}
	for i, f := range findings {
		g := get(f.key())
		g.fs = append(g.fs, i)
	}
	for i, v := range verdicts {
		g := get(v.Finding.key())
		g.vs = append(g.vs, i)
	}
	matchedF := make([]int, len(findings))
	for i := range matchedF {
		matchedF[i] = -1
	}
	usedV := make([]bool, len(verdicts))
	for _, k := range order {
		g := groups[k]
		sort.SliceStable(g.fs, func(a, b int) bool { return findings[g.fs[a]].Line < findings[g.fs[b]].Line })
		sort.SliceStable(g.vs, func(a, b int) bool { return verdicts[g.vs[a]].Finding.Line < verdicts[g.vs[b]].Finding.Line })
		for _, p := range alignLines(g.fs, g.vs, func(fi, vi int) int { return findings[fi].Line - verdicts[vi].Finding.Line }) {
			matchedF[p[0]], usedV[p[1]] = p[1], true
		}
	}
	for fi, vi := range matchedF {
		if vi < 0 {
			unjudged = append(unjudged, findings[fi])
			continue
		}
		judged = append(judged, Judged{Finding: findings[fi], Verdict: verdicts[vi]})
	}
	for vi, u := range usedV {
		if !u {
			stale = append(stale, verdicts[vi])
		}
	}
	return judged, unjudged, stale
}

// alignLines pairs fs with vs in order, both sorted by line, matching as
// many as it can within lineSlack and, among those pairings, the one with
// the least total drift.
func alignLines(fs, vs []int, drift func(f, v int) int) [][2]int {
	type cell struct{ n, cost int }
	better := func(a, b cell) bool { return a.n > b.n || a.n == b.n && a.cost < b.cost }
	dp := make([][]cell, len(fs)+1)
	for i := range dp {
		dp[i] = make([]cell, len(vs)+1)
	}
	for i := len(fs) - 1; i >= 0; i-- {
		for j := len(vs) - 1; j >= 0; j-- {
			best := dp[i+1][j]
			if better(dp[i][j+1], best) {
				best = dp[i][j+1]
			}
			if d := abs(drift(fs[i], vs[j])); d <= lineSlack {
				m := cell{dp[i+1][j+1].n + 1, dp[i+1][j+1].cost + d}
				if better(m, best) {
					best = m
				}
			}
			dp[i][j] = best
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < len(fs) && j < len(vs); {
		if d := abs(drift(fs[i], vs[j])); d <= lineSlack && dp[i][j] == (cell{dp[i+1][j+1].n + 1, dp[i+1][j+1].cost + d}) {
			out = append(out, [2]int{fs[i], vs[j]})
			i, j = i+1, j+1
		} else if dp[i][j] == dp[i+1][j] {
			i++
		} else {
			j++
		}
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Places says where modules and the standard library live on this machine.
type Places struct {
	ModCache string // GOMODCACHE
	GoRoot   string // GOROOT
}

// Place turns an absolute file name into module and module-relative file.
func (p Places) Place(file string) (mod, rel string, ok bool) {
	file = filepath.Clean(file)
	if r, err := filepath.Rel(filepath.Join(p.GoRoot, "src"), file); err == nil && !strings.HasPrefix(r, "..") {
		return "std", filepath.ToSlash(r), true
	}
	r, err := filepath.Rel(p.ModCache, file)
	if err != nil || strings.HasPrefix(r, "..") {
		return "", "", false
	}
	r = filepath.ToSlash(r)
	at := strings.Index(r, "@")
	slash := strings.Index(r[max(at, 0):], "/")
	if at < 0 || slash < 0 {
		return "", "", false
	}
	escaped, rest := r[:at], r[at+slash+1:]
	mod, err = module.UnescapePath(escaped)
	if err != nil {
		return "", "", false
	}
	return mod, rest, true
}

// ParseVet reads go vet -json output ("# package" lines and JSON objects
// mapping package to analyzer to diagnostics), through the CI report
// reader. A package and its test variant share files, so each diagnostic
// is kept once; an analyzer that failed on a package is an error.
func ParseVet(out []byte, places Places) ([]Finding, error) {
	if len(bytes.TrimSpace(out)) == 0 {
		return nil, nil // nothing found anywhere
	}
	rep, err := report.Read(out, report.Options{})
	if err != nil {
		return nil, fmt.Errorf("parse go vet -json: %w", err)
	}
	var findings []Finding
	seen := map[string]bool{}
	for _, p := range rep.Problems {
		if p.File == "" {
			return nil, fmt.Errorf("parse go vet -json: %s", p.Message)
		}
		mod, rel, ok := places.Place(p.File)
		if !ok {
			return nil, fmt.Errorf("parse go vet -json: %s is neither in the module cache nor in GOROOT", p.File)
		}
		f := Finding{Module: mod, File: rel, Line: p.Line, Analyzer: p.Rule, Message: p.Message}
		k := fmt.Sprintf("%s\t%d\t%d", f.key(), f.Line, p.Col)
		if !seen[k] {
			seen[k] = true
			findings = append(findings, f)
		}
	}
	SortFindings(findings)
	return findings, nil
}

// SortFindings orders findings by module, file, line, analyzer and
// message (one line can hold several findings of an analyzer, which go vet
// prints in no fixed order).
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Analyzer != b.Analyzer {
			return a.Analyzer < b.Analyzer
		}
		return a.Message < b.Message
	})
}

// Bench is the benchmark on disk: the folder holding verdicts.tsv,
// packages.txt and the modules folder.
type Bench struct {
	Dir string
}

// Find returns the benchmark folder, looked for from dir upwards.
func Find(dir string) (Bench, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Bench{}, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, c := range []string{d, filepath.Join(d, "bench", "realcode")} {
			if st, err := os.Stat(filepath.Join(c, "modules", "go.mod")); err == nil && !st.IsDir() {
				if _, err := os.Stat(filepath.Join(c, "verdicts.tsv")); err == nil {
					return Bench{Dir: c}, nil
				}
			}
		}
		if filepath.Dir(d) == d {
			return Bench{}, fmt.Errorf("find the real-code benchmark: no bench/realcode above %s", abs)
		}
	}
}

// VerdictsFile is the path of verdicts.tsv.
func (b Bench) VerdictsFile() string { return filepath.Join(b.Dir, "verdicts.tsv") }

// ModulesDir is the nested module pinning the third-party code.
func (b Bench) ModulesDir() string { return filepath.Join(b.Dir, "modules") }

// Packages returns the packages to analyse: packages.txt, one import path
// or pattern ("std") a line.
func (b Bench) Packages() ([]string, error) {
	data, err := os.ReadFile(filepath.Join(b.Dir, "packages.txt"))
	if err != nil {
		return nil, fmt.Errorf("read the package list: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

// Run builds the benchmark's vet tool (cmd/realvet: the whole registry,
// every profile) into a temporary folder and runs it as go vet's tool over
// the benchmark's packages, from the modules folder. The go command fetches missing modules through the module proxy;
// go vet caches each package's result, so a second run with the same tool
// takes seconds.
func (b Bench) Run(ctx context.Context, repo string) ([]Finding, error) {
	tmp, err := os.MkdirTemp("", "realcode-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tool := filepath.Join(tmp, "realvet")
	build := exec.CommandContext(ctx, "go", "build", "-o", tool, "./bench/realcode/cmd/realvet")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the vet tool: %w\n%s", err, out)
	}
	pkgs, err := b.Packages()
	if err != nil {
		return nil, err
	}
	places, err := b.places(ctx)
	if err != nil {
		return nil, err
	}
	vet := exec.CommandContext(ctx, "go", append([]string{"vet", "-vettool=" + tool, "-json"}, pkgs...)...)
	vet.Dir = b.ModulesDir()
	vet.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	vet.Stdout, vet.Stderr = &stdout, &stderr
	if err := vet.Run(); err != nil {
		return nil, fmt.Errorf("go vet over the benchmark: %w\n%s", err, tail(stderr.String(), 40))
	}
	// go vet -json writes the diagnostics to stderr, with the package lines.
	return ParseVet(append(stdout.Bytes(), stderr.Bytes()...), places)
}

func (b Bench) places(ctx context.Context) (Places, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMODCACHE", "GOROOT")
	cmd.Dir = b.ModulesDir()
	out, err := cmd.Output()
	if err != nil {
		return Places{}, fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		return Places{}, fmt.Errorf("go env: unexpected output %q", out)
	}
	return Places{ModCache: lines[0], GoRoot: lines[1]}, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// InProfile keeps the findings of the analyzers profile p runs.
func InProfile(fs []Finding, p registry.Profile) []Finding {
	in := map[string]bool{}
	for _, a := range registry.InProfile(p) {
		in[a.Name] = true
	}
	var out []Finding
	for _, f := range fs {
		if in[f.Analyzer] {
			out = append(out, f)
		}
	}
	return out
}
