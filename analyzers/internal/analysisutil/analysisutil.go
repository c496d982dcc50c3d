// Package analysisutil holds the small type-based helpers that asyncbook's
// analyzers share: which package is imported, what a call resolves to, whether
// a context is in scope.
package analysisutil

import (
	"fmt"
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// DocsBase is where the catalog of analyzers is published; each analyzer's URL
// is DocsBase + name + ".md".
const DocsBase = "https://github.com/asyncbook/asyncbook/blob/main/docs/analyzers/"

// URL returns the documentation page of the named analyzer.
func URL(name string) string { return DocsBase + name + ".md" }

// Imports reports whether pkg imports the package with the given path,
// directly or (for pass.Pkg) through its import list.
func Imports(pkg *types.Package, path string) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return true
		}
	}
	return false
}

// Touches reports whether the package of pass may use the package with the
// given path: it imports it, or one of its identifiers refers to an object
// of that package (s.mu.Lock() on an imported type's field, a method
// promoted from an embedded sync.Mutex), which needs no import. The package
// itself does not count as its own user.
func Touches(pass *analysis.Pass, path string) bool { return TouchesAny(pass, path) }

// TouchesAny reports whether the package of pass may use any of the given
// packages (see Touches).
func TouchesAny(pass *analysis.Pass, paths ...string) bool {
	if ImportsAny(pass.Pkg, paths...) {
		return true
	}
	if pass.TypesInfo == nil {
		return false
	}
	for _, obj := range pass.TypesInfo.Uses {
		if obj.Pkg() == nil || obj.Pkg() == pass.Pkg {
			continue // the package itself (sync's own code) is not a user of it
		}
		for _, p := range paths {
			if obj.Pkg().Path() == p {
				return true
			}
		}
	}
	return false
}

// ImportsAny reports whether pkg imports any of the given paths.
func ImportsAny(pkg *types.Package, paths ...string) bool {
	for _, p := range paths {
		if Imports(pkg, p) {
			return true
		}
	}
	return false
}

// CalleeFunc returns the function or method a call statically resolves to, or nil.
func CalleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// IsFunc reports whether call resolves to the function or method whose
// FullName is one of names, e.g. "time.Sleep" or "(*sync.WaitGroup).Add".
func IsFunc(info *types.Info, call *ast.CallExpr, names ...string) bool {
	fn := CalleeFunc(info, call)
	if fn == nil {
		return false
	}
	full := fn.FullName()
	for _, n := range names {
		if full == n {
			return true
		}
	}
	return false
}

// IsNamedType reports whether t (or the type it points to) is the named type
// pkgPath.name.
func IsNamedType(t types.Type, pkgPath, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == pkgPath && obj.Name() == name
}

// IsContext reports whether t is context.Context.
func IsContext(t types.Type) bool { return IsNamedType(t, "context", "Context") }

// ContextParams returns the objects of the parameters of fn whose type is
// context.Context.
func ContextParams(info *types.Info, ftype *ast.FuncType) []types.Object {
	var out []types.Object
	if ftype == nil || ftype.Params == nil {
		return nil
	}
	for _, field := range ftype.Params.List {
		for _, name := range field.Names {
			obj := info.Defs[name]
			if obj != nil && IsContext(obj.Type()) {
				out = append(out, obj)
			}
		}
	}
	return out
}

// ReportfAt reports a diagnostic for node with a category and the analyzer's URL.
func ReportfAt(pass *analysis.Pass, node ast.Node, category, format string, args ...any) {
	pass.Report(analysis.Diagnostic{
		Pos:      node.Pos(),
		End:      node.End(),
		Category: category,
		Message:  fmt.Sprintf(format, args...),
	})
}
