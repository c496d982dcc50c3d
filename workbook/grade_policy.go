package workbook

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// What a submission may import (docs/grading.md): the exercise's own
// package (only what its types.go and exercise.go declare), the simulated
// world it is written against, the standard library's pure packages for
// concurrency and data, golang.org/x/sync, and the standard packages the
// exercise's own API and reference solution import (net/http for a server,
// say) unless they are refused outright below.
var allowedImports = map[string]bool{
	"context": true, "sync": true, "sync/atomic": true, "time": true, "errors": true, "fmt": true,
	"sort": true, "slices": true, "maps": true, "cmp": true, "iter": true,
	"math": true, "math/bits": true, "math/rand": true, "math/rand/v2": true,
	"strings": true, "strconv": true, "bytes": true, "unicode": true, "unicode/utf8": true,
	"container/heap": true, "container/list": true, "container/ring": true,
	"golang.org/x/sync/errgroup": true, "golang.org/x/sync/semaphore": true, "golang.org/x/sync/singleflight": true,
}

// refusedImports are never allowed, whatever the exercise imports, with the
// reason the verdict gives. A path is refused when it or a parent is here.
var refusedImports = map[string]string{
	"unsafe":           "bypasses the type system",
	"reflect":          "reaches unexported state (the harness's, the suite's)",
	"os":               "reaches the file system, the environment, the process and the harness's descriptors",
	"syscall":          "makes raw system calls",
	"net":              "opens network connections",
	"net/netip":        "is part of the network stack",
	"runtime":          "reaches the runtime's internals",
	"testing":          "is the harness's, not the submission's",
	"plugin":           "loads code at run time",
	"C":                "uses cgo",
	"embed":            "embeds files from the grader's disk",
	"io/ioutil":        "reads and writes files",
	"io/fs":            "walks file systems",
	"debug":            "reads binaries and the runtime's state",
	"log/syslog":       "talks to the system log",
	"internal":         "is the standard library's internals",
	"golang.org/x/sys": "makes raw system calls",
	"flag":             "reads the harness's command line",
	"path/filepath":    "walks the file system",
	ModulePath:         "is the workbook's own code (its suites, harness and reference solutions), not the exercise's API",
}

// exerciseAPIFiles are the files of an exercise package whose declarations
// a submission may use: the problem's types and the sequential version.
// pool.go is hyperparameter-tuning's accelerator pool, which Solve is given
// and must use.
var exerciseAPIFiles = map[string]bool{"types.go": true, "exercise.go": true, "pool.go": true}

// exerciseAPIWithheld are declarations of those files a submission may not
// use: Solve is given its pool, and one it made itself would escape the
// limits the suite watches.
var exerciseAPIWithheld = map[string]bool{"NewPool": true}

// allowedDirectives are the //go: directives a submission may carry.
var allowedDirectives = map[string]bool{"build": true, "noinline": true}

// foreignSources are files a submission may not bring: they would be
// assembled, compiled as C or linked in.
var foreignSources = map[string]string{
	".s": "assembly", ".S": "assembly", ".sx": "assembly", ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++",
	".cxx": "C++", ".hh": "C++", ".hpp": "C++", ".m": "Objective-C", ".f": "Fortran", ".F": "Fortran",
	".f90": "Fortran", ".syso": "a system object", ".swig": "SWIG", ".swigcxx": "SWIG",
}

// importPolicy decides the imports of one exercise's submissions.
type importPolicy struct {
	exercise string          // the exercise package's import path
	simworld string          // the simulated world's import path
	extra    map[string]bool // standard packages the exercise's API and solution import
}

// why says why path may not be imported, or "" when it may.
func (p importPolicy) why(imp string) string {
	if imp == p.exercise || imp == p.simworld || allowedImports[imp] {
		return ""
	}
	if r, ok := refusedImports[imp]; ok {
		return r
	}
	if p.extra[imp] && !strings.Contains(imp, "internal") {
		return "" // the exercise's own API or solution needs it
	}
	for q := imp; ; q = path.Dir(q) {
		if r, ok := refusedImports[q]; ok {
			return r
		}
		if q == "." || q == "/" || !strings.Contains(q, "/") {
			break
		}
	}
	if strings.Contains(imp, "/internal/") || strings.HasSuffix(imp, "/internal") {
		return "is an internal package"
	}
	return "is not on the allowlist (docs/grading.md)"
}

// exercisePolicy builds the policy of an exercise from its package folder
// (the fresh copy's): the standard packages that types.go, exercise.go and
// solution.go import are allowed unless refused outright.
func exercisePolicy(e *Exercise, pkgDir string) importPolicy {
	p := importPolicy{exercise: ImportPath(e), simworld: ModulePath + "/exercises/simworld", extra: map[string]bool{}}
	for _, name := range []string{"types.go", "exercise.go", solutionFunc + ".go"} {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(pkgDir, name), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(ip, "/"); !strings.Contains(first, ".") {
				p.extra[ip] = true
			}
		}
	}
	return p
}

// sourceViolations reads the submission's files before anything is
// built: imports outside the policy (dot and blank imports included), cgo,
// //go: directives other than build and noinline, and non-Go sources.
// Files are read whatever their build constraints say. Files that do not
// parse are left to the compiler.
func sourceViolations(p importPolicy, files map[string][]byte, others []string) []string {
	var out []string
	for _, name := range others {
		if lang, ok := foreignSources[filepath.Ext(name)]; ok {
			out = append(out, fmt.Sprintf("%s: %s sources may not be part of a submission", name, lang))
		} else {
			out = append(out, fmt.Sprintf("%s: not a regular file, or past the submission's size limit of %d KiB", name, maxSubmission>>10))
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, files[name], parser.ParseComments)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			why := p.why(ip)
			if why == "" {
				continue
			}
			how := "imports"
			if imp.Name != nil && imp.Name.Name == "." {
				how = "dot-imports"
			} else if imp.Name != nil && imp.Name.Name == "_" {
				how = "imports for its side effects"
			}
			out = append(out, fmt.Sprintf("%s: %s %q, which %s", fset.Position(imp.Pos()), how, ip, why))
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if !strings.HasPrefix(c.Text, "//go:") {
					continue
				}
				d, _, _ := strings.Cut(strings.TrimPrefix(c.Text, "//go:"), " ")
				if !allowedDirectives[d] {
					out = append(out, fmt.Sprintf("%s: uses the //go:%s directive", fset.Position(c.Pos()), d))
				}
			}
		}
	}
	return out
}

// typedViolations checks the type-checked submission package: its direct
// imports as go list resolved them, embed patterns, and what it uses of
// other packages: from the exercise only what types.go and exercise.go
// declare; no package variable of another package written, its address
// taken, or read unless it is a sentinel error or of a basic type (a
// shared client, slice or map could be changed under the suite).
func typedViolations(p importPolicy, pkg *packages.Package) []string {
	var out []string
	for imp := range pkg.Imports {
		if why := p.why(imp); why != "" {
			out = append(out, fmt.Sprintf("%s: imports %q, which %s", pkg.PkgPath, imp, why))
		}
	}
	if len(pkg.EmbedPatterns) > 0 {
		out = append(out, fmt.Sprintf("%s: embeds files %v", pkg.PkgPath, pkg.EmbedPatterns))
	}
	if pkg.Types == nil || pkg.TypesInfo == nil {
		return out
	}
	foreignVar := func(e ast.Expr) (*types.Var, bool) {
		var id *ast.Ident
		for id == nil {
			switch x := e.(type) {
			case *ast.Ident:
				id = x
			case *ast.SelectorExpr:
				if sel := pkg.TypesInfo.Selections[x]; sel != nil {
					e = x.X // a field or method of something: follow it down
					continue
				}
				id = x.Sel // a qualified identifier
			case *ast.IndexExpr:
				e = x.X
			case *ast.IndexListExpr:
				e = x.X
			case *ast.StarExpr:
				e = x.X
			case *ast.ParenExpr:
				e = x.X
			case *ast.SliceExpr:
				e = x.X
			default:
				return nil, false
			}
		}
		v, ok := pkg.TypesInfo.Uses[id].(*types.Var)
		if !ok || v.Pkg() == nil || v.Pkg() == pkg.Types || v.Parent() != v.Pkg().Scope() {
			return nil, false
		}
		return v, true
	}
	errType := types.Universe.Lookup("error").Type()
	for _, f := range pkg.Syntax {
		ast.Inspect(f, func(n ast.Node) bool {
			var targets []ast.Expr
			verb := "writes"
			switch x := n.(type) {
			case *ast.AssignStmt:
				targets = x.Lhs
			case *ast.IncDecStmt:
				targets = []ast.Expr{x.X}
			case *ast.UnaryExpr:
				if x.Op == token.AND {
					targets, verb = []ast.Expr{x.X}, "takes the address of"
				}
			case *ast.RangeStmt:
				targets = []ast.Expr{x.Key, x.Value}
			}
			for _, t := range targets {
				if t == nil {
					continue
				}
				if v, ok := foreignVar(t); ok {
					out = append(out, fmt.Sprintf("%s: %s %s.%s, a variable of another package the suite relies on", pkg.Fset.Position(t.Pos()), verb, v.Pkg().Name(), v.Name()))
				}
			}
			return true
		})
	}
	ids := make([]*ast.Ident, 0, len(pkg.TypesInfo.Uses))
	for id := range pkg.TypesInfo.Uses {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Pos() < ids[j].Pos() })
	for _, id := range ids {
		obj := pkg.TypesInfo.Uses[id]
		if obj.Pkg() == nil || obj.Pkg() == pkg.Types || obj.Parent() != obj.Pkg().Scope() {
			continue
		}
		where := pkg.Fset.Position(id.Pos())
		if obj.Pkg().Path() == p.exercise {
			if file := filepath.Base(pkg.Fset.Position(obj.Pos()).Filename); !exerciseAPIFiles[file] || exerciseAPIWithheld[obj.Name()] {
				out = append(out, fmt.Sprintf("%s: uses %s.%s, which is the exercise's suite or solution (%s), not its API", where, obj.Pkg().Name(), obj.Name(), file))
				continue
			}
		}
		if v, ok := obj.(*types.Var); ok {
			_, basic := v.Type().Underlying().(*types.Basic)
			if !basic && !types.Identical(v.Type(), errType) {
				out = append(out, fmt.Sprintf("%s: reads %s.%s, a shared package variable that could be changed under the suite", where, v.Pkg().Name(), v.Name()))
			}
		}
	}
	return out
}
