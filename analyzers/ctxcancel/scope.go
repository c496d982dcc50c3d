package ctxcancel

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// scoper answers "which contexts should this node watch?" through the type
// checker's scopes: context.Context parameters and locals of the enclosing
// function and of every function around it (closures see outer variables),
// declared before the node and not shadowed.
//
// Two kinds of locals are left out. Roots (context.Background(), TODO(),
// WithoutCancel, WithValue of a root) are never cancelled. Owned contexts
// (WithCancel, WithTimeout, signal.NotifyContext... of a root) are the
// declaring function's own to cancel: they count only inside the closures
// it starts, for which they are the caller's cancellation.
type scoper struct {
	pass  *analysis.Pass
	roots map[types.Object]bool
	// owned maps an owned context to the function that declared it.
	owned map[types.Object]ast.Node
	// made are locals defined as make(chan ...): channels the function
	// (or one around it) owns.
	made map[types.Object]bool
}

func newScoper(pass *analysis.Pass, in *inspector.Inspector) *scoper {
	s := &scoper{
		pass:  pass,
		roots: make(map[types.Object]bool),
		owned: make(map[types.Object]ast.Node),
		made:  make(map[types.Object]bool),
	}
	info := pass.TypesInfo
	// Preorder visits definitions in source order, so a context derived
	// from an earlier root is classified after that root.
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
		if len(rhs) == 1 && len(lhs) == 2 {
			// ctx, cancel := context.WithCancel(parent)
			lhs = lhs[:1]
		}
		if len(lhs) != len(rhs) {
			continue
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			obj := info.Defs[id]
			if obj == nil {
				continue
			}
			switch {
			case s.isRoot(rhs[i]):
				s.roots[obj] = true
			case s.isOwned(rhs[i]):
				if fn, ok := enclosingFuncNode(c); ok {
					s.owned[obj] = fn
				}
			default:
				if call, ok := ast.Unparen(rhs[i]).(*ast.CallExpr); ok && isBuiltin(info, call, "make") {
					if _, isChan := obj.Type().Underlying().(*types.Chan); isChan {
						s.made[obj] = true
					}
				}
			}
		}
	}
	return s
}

// isRoot reports whether e is a context that is never cancelled.
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

// isOwned reports whether e is a context made here from a root: only the
// code holding its cancel function cancels it.
func (s *scoper) isOwned(e ast.Expr) bool {
	info := s.pass.TypesInfo
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		_, ok := s.owned[info.Uses[e]]
		return ok
	case *ast.CallExpr:
		if len(e.Args) == 0 || !analysisutil.IsFunc(info, e,
			"context.WithCancel", "context.WithCancelCause", "context.WithTimeout", "context.WithTimeoutCause",
			"context.WithDeadline", "context.WithDeadlineCause", "context.WithValue", "os/signal.NotifyContext") {
			return false
		}
		return s.isRoot(e.Args[0]) || s.isOwned(e.Args[0])
	}
	return false
}

// ownChan reports whether ch names a channel made by make in this package's
// code around it (a local, not a parameter or field).
func (s *scoper) ownChan(ch ast.Expr) bool {
	id, ok := ast.Unparen(ch).(*ast.Ident)
	return ok && s.made[s.pass.TypesInfo.Uses[id]]
}

// contexts returns the context variables node c should watch, innermost
// scope first and, within a scope, the latest declared first.
func (s *scoper) contexts(c inspector.Cursor) []*types.Var {
	pos := c.Node().Pos()
	fn, _ := enclosingFuncNode(c)
	pkgScope := s.pass.Pkg.Scope()
	inner := pkgScope.Innermost(pos)
	var out []*types.Var
	for sc := inner; sc != nil && sc != pkgScope && sc != types.Universe; sc = sc.Parent() {
		var here []*types.Var
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || name == "_" || v.IsField() || s.roots[v] || !analysisutil.IsContext(v.Type()) {
				continue
			}
			if owner, ok := s.owned[v]; ok && owner == fn {
				continue // the function's own context, not its caller's
			}
			if _, obj := inner.LookupParent(name, pos); obj != v {
				continue // declared after pos, or shadowed
			}
			here = append(here, v)
		}
		sort.Slice(here, func(i, j int) bool { return here[i].Pos() > here[j].Pos() })
		out = append(out, here...)
	}
	return out
}

// enclosingFuncNode returns the innermost FuncLit or FuncDecl around c.
func enclosingFuncNode(c inspector.Cursor) (ast.Node, bool) {
	for fc := range c.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return fc.Node(), true
	}
	return nil, false
}
