package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Kernel is one GoKer test case of the runtime's goroutine-leak test: the
// kernel's entry function, the file that declares it, and what the test
// expects to leak.
type Kernel struct {
	Name  string // the test's name, also the kernel's entry function
	File  string // base name of the file declaring Name
	Flaky bool   // the test marks its leaks as flaky (still real leaks)
	Leaks []Leak
}

// Leak is one expected leak: a goroutine whose entry function's runtime name
// matches Func, blocked on Reason.
type Leak struct {
	Pattern string         // the test's regular expression
	Func    *regexp.Regexp // the function part of it, anchored at the end
	Reason  string         // the wait reason, e.g. "chan send"
}

// Channel reports whether every leak of k waits on a channel operation.
func (k Kernel) Channel() bool {
	for _, l := range k.Leaks {
		switch l.Reason {
		case "chan send", "chan receive", "select", "select (no cases)", "chan receive (nil chan)", "chan send (nil chan)":
		default:
			return false
		}
	}
	return true
}

// Reasons lists k's distinct wait reasons.
func (k Kernel) Reasons() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range k.Leaks {
		if !seen[l.Reason] {
			seen[l.Reason] = true
			out = append(out, l.Reason)
		}
	}
	sort.Strings(out)
	return out
}

// leakPattern splits a test pattern such as
// `\(\*Stopper_x\)\.RunWorker\.func1\(.* \[chan send\]` into its function
// part and its wait reason.
var leakPattern = regexp.MustCompile(`^(.*?)(?:\\\()?\.\* \\\[(.*)\\\]$`)

func parseLeak(pattern string) (Leak, error) {
	m := leakPattern.FindStringSubmatch(pattern)
	if m == nil {
		return Leak{}, fmt.Errorf("leak pattern %q: not of the form NAME.* [REASON]", pattern)
	}
	fn, err := regexp.Compile(m[1] + `$`)
	if err != nil {
		return Leak{}, fmt.Errorf("leak pattern %q: %w", pattern, err)
	}
	reason := strings.ReplaceAll(m[2], `\`, ``)
	return Leak{Pattern: pattern, Func: fn, Reason: reason}, nil
}

// ParseExpectations reads the GoKer test cases of the runtime's test file
// (goroutineleakprofile_test.go): the calls to makeTest and makeFlakyTest
// inside the gokerTestCases literal.
func ParseExpectations(testFile string) ([]Kernel, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, testFile, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", testFile, err)
	}
	var list *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name == "gokerTestCases" {
			list, _ = as.Rhs[0].(*ast.CompositeLit)
		}
		return list == nil
	})
	if list == nil {
		return nil, fmt.Errorf("%s: no gokerTestCases literal", testFile)
	}
	var out []Kernel
	for _, elt := range list.Elts {
		call, ok := elt.(*ast.CallExpr)
		if !ok {
			continue
		}
		fn, ok := call.Fun.(*ast.Ident)
		if !ok || (fn.Name != "makeTest" && fn.Name != "makeFlakyTest") || len(call.Args) < 2 {
			return nil, fmt.Errorf("%s: unexpected test case %s", testFile, fset.Position(elt.Pos()))
		}
		var strs []string
		for _, a := range call.Args {
			lit, ok := a.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return nil, fmt.Errorf("%s: non-literal argument", fset.Position(a.Pos()))
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fset.Position(a.Pos()), err)
			}
			strs = append(strs, s)
		}
		k := Kernel{Name: strs[0], Flaky: fn.Name == "makeFlakyTest"}
		for _, p := range strs[1:] {
			l, err := parseLeak(p)
			if err != nil {
				return nil, err
			}
			k.Leaks = append(k.Leaks, l)
		}
		out = append(out, k)
	}
	return out, nil
}

// Func is a function of the kernels' source with the name the runtime
// gives it in a traceback: F, (*T).M, T.M, F.func1, F.func1.2, glob..func1.
type Func struct {
	Name       string
	File       string // base name
	Start, End token.Position
}

// Contains reports whether line:col of file lies inside f.
func (f Func) Contains(file string, line, col int) bool {
	if file != f.File {
		return false
	}
	after := line > f.Start.Line || line == f.Start.Line && col >= f.Start.Column
	before := line < f.End.Line || line == f.End.Line && col <= f.End.Column
	return after && before
}

// Source is the parsed kernels: every function with its runtime name, and
// which file declares each top-level function.
type Source struct {
	Funcs  []Func
	DeclIn map[string]string // top-level function name -> base file name
}

// ParseSource parses the Go files of dir and names their functions as the
// compiler does: function literals are numbered in source order per
// enclosing function, ".funcN" inside a declared function, ".N" inside
// another literal, "glob..funcN" at package level.
func ParseSource(dir string) (*Source, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	src := &Source{DeclIn: map[string]string{}}
	glob := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse kernels: %w", err)
		}
		base := filepath.Base(name)
		add := func(name string, n ast.Node) {
			src.Funcs = append(src.Funcs, Func{Name: name, File: base, Start: fset.Position(n.Pos()), End: fset.Position(n.End())})
		}
		// lits names the function literals directly inside n (not inside
		// a nested literal), numbering them after prefix, and recurses.
		var lits func(n ast.Node, prefix string, counter *int)
		lits = func(n ast.Node, prefix string, counter *int) {
			ast.Inspect(n, func(m ast.Node) bool {
				lit, ok := m.(*ast.FuncLit)
				if !ok || m == n {
					return true
				}
				*counter++
				name := prefix + strconv.Itoa(*counter)
				add(name, lit)
				inner := 0
				lits(lit, name+".", &inner)
				return false
			})
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					name = recvName(d.Recv.List[0].Type) + "." + name
				} else {
					src.DeclIn[name] = base
				}
				add(name, d)
				if d.Body != nil {
					n := 0
					lits(d.Body, name+".func", &n)
				}
			case *ast.GenDecl:
				lits(d, "glob..func", &glob)
			}
		}
	}
	return src, nil
}

func recvName(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return "(*" + recvName(t.X) + ")"
	case *ast.IndexExpr:
		return recvName(t.X) + "[...]"
	case *ast.IndexListExpr:
		return recvName(t.X) + "[...]"
	case *ast.ParenExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// Leaking returns the functions of s that k's expectations name.
func (s *Source) Leaking(k Kernel) []Func {
	var out []Func
	for _, f := range s.Funcs {
		for _, l := range k.Leaks {
			if l.Func.MatchString(f.Name) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// CopyKernels copies the kernels' Go files and licence into dst and makes
// it a module, so the go command and go/packages can load it.
func CopyKernels(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("read kernels: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".go") || e.Name() == "LICENSE") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return fmt.Errorf("copy kernels: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return fmt.Errorf("copy kernels: %w", err)
		}
	}
	mod := "module goker\n\ngo 1.26\n"
	if err := os.WriteFile(filepath.Join(dst, "go.mod"), []byte(mod), 0o644); err != nil {
		return fmt.Errorf("copy kernels: %w", err)
	}
	return nil
}
