package ctxprop

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// source is a context a node can use: a variable, or r.Context() of an
// *http.Request parameter.
type source struct {
	obj  *types.Var
	expr string // what to write in a fix: "ctx" or "r.Context()"
}

// scoper answers "which context can this node use?" through the type
// checker's scopes: context.Context parameters and locals of the enclosing
// function and of every function around it (closures see outer variables),
// declared before the node and not shadowed; failing that, an *http.Request
// parameter.
type scoper struct {
	pass *analysis.Pass
	// roots are locals defined as context.Background(), TODO(),
	// WithoutCancel(...) or WithValue(root, ...): they carry no caller's
	// cancellation, so they are not a ctx to pass on.
	roots map[types.Object]bool
}

func newScoper(pass *analysis.Pass, in *inspector.Inspector) *scoper {
	s := &scoper{pass: pass, roots: make(map[types.Object]bool)}
	for c := range in.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		var lhs, rhs []ast.Expr
		switch n := c.Node().(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				continue
			}
			lhs, rhs = n.Lhs, n.Rhs
		case *ast.ValueSpec:
			for _, id := range n.Names {
				lhs = append(lhs, id)
			}
			rhs = n.Values
		}
		if len(lhs) != len(rhs) {
			continue
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			if !ok || !s.isRoot(rhs[i]) {
				continue
			}
			if obj := pass.TypesInfo.Defs[id]; obj != nil {
				s.roots[obj] = true
			}
		}
	}
	return s
}

// isRoot reports whether e is a context that carries no caller's
// cancellation: Background, TODO, WithoutCancel, or WithValue of a root.
func (s *scoper) isRoot(e ast.Expr) bool {
	info := s.pass.TypesInfo
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return s.roots[info.Uses[e]]
	case *ast.CallExpr:
		switch {
		case analysisutil.IsFunc(info, e, "context.Background", "context.TODO", "context.WithoutCancel"):
			return true
		case analysisutil.IsFunc(info, e, "context.WithValue"):
			return len(e.Args) > 0 && s.isRoot(e.Args[0])
		}
	}
	return false
}

// source returns the context to use at pos: the innermost context variable
// (the latest declared within a scope), else the innermost *http.Request
// parameter. ok is false when there is none.
func (s *scoper) source(pos token.Pos) (src source, ok bool) {
	pkgScope := s.pass.Pkg.Scope()
	inner := pkgScope.Innermost(pos)
	var req *types.Var
	for sc := inner; sc != nil && sc != pkgScope && sc != types.Universe; sc = sc.Parent() {
		var best *types.Var
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || name == "_" || v.IsField() || s.roots[v] {
				continue
			}
			isCtx := analysisutil.IsContext(v.Type())
			isReq := !isCtx && v.Kind() == types.ParamVar && isRequestPtr(v.Type())
			if !isCtx && !isReq {
				continue
			}
			if _, obj := inner.LookupParent(name, pos); obj != v {
				continue // declared after pos, or shadowed
			}
			if isReq {
				if req == nil {
					req = v
				}
				continue
			}
			if best == nil || v.Pos() > best.Pos() {
				best = v
			}
		}
		if best != nil {
			return source{obj: best, expr: best.Name()}, true
		}
	}
	if req != nil {
		return source{obj: req, expr: req.Name() + ".Context()"}, true
	}
	return source{}, false
}

// isRequestPtr reports whether t is *net/http.Request.
func isRequestPtr(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && analysisutil.IsNamedType(p.Elem(), "net/http", "Request")
}
