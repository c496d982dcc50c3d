// Package ctxscope answers, for asyncbook's analyzers, "which context can
// this code use?": the context.Context parameters and locals of the
// enclosing function and of every function around it (closures see outer
// variables), declared before the code and not shadowed, found through the
// type checker's scopes.
//
// Two kinds of locals are classified apart. Roots (context.Background(),
// TODO(), WithoutCancel(...), WithValue of a root) carry no caller's
// cancellation and never count. Owned contexts (WithCancel, WithTimeout,
// WithDeadline, signal.NotifyContext... of a root) are the declaring
// function's own to cancel; an analyzer decides whether they count.
package ctxscope

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"

	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// Scope classifies the context locals of one package and looks up the
// contexts visible at a position.
type Scope struct {
	info  *types.Info
	pkg   *types.Package
	roots map[types.Object]bool
	owned map[types.Object]ast.Node // owned context → the FuncDecl or FuncLit declaring it
}

// New classifies every context local defined in the package in.
func New(info *types.Info, pkg *types.Package, in *inspector.Inspector) *Scope {
	s := &Scope{
		info:  info,
		pkg:   pkg,
		roots: make(map[types.Object]bool),
		owned: make(map[types.Object]ast.Node),
	}
	// Preorder visits definitions in source order, so a context derived
	// from an earlier root is classified after that root.
	for c := range in.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		lhs, rhs := definitions(c.Node())
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
			case s.IsRoot(rhs[i]):
				s.roots[obj] = true
			case s.IsOwned(rhs[i]):
				if fn, ok := enclosingFunc(c); ok {
					s.owned[obj] = fn
				}
			}
		}
	}
	return s
}

// definitions returns the pairs a := or var statement defines, matched one
// to one; "ctx, cancel := context.WithCancel(parent)" pairs ctx with the call.
func definitions(n ast.Node) (lhs, rhs []ast.Expr) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok != token.DEFINE {
			return nil, nil
		}
		lhs, rhs = n.Lhs, n.Rhs
	case *ast.ValueSpec:
		for _, id := range n.Names {
			lhs = append(lhs, id)
		}
		rhs = n.Values
	}
	if len(rhs) == 1 && len(lhs) == 2 {
		lhs = lhs[:1]
	}
	if len(lhs) != len(rhs) {
		return nil, nil
	}
	return lhs, rhs
}

// IsRoot reports whether e is a context that carries no caller's
// cancellation: Background, TODO, WithoutCancel, or WithValue of a root.
func (s *Scope) IsRoot(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return s.roots[s.info.Uses[e]]
	case *ast.CallExpr:
		switch {
		case analysisutil.IsFunc(s.info, e, "context.Background", "context.TODO", "context.WithoutCancel"):
			return true
		case analysisutil.IsFunc(s.info, e, "context.WithValue"):
			return len(e.Args) > 0 && s.IsRoot(e.Args[0])
		}
	}
	return false
}

// IsOwned reports whether e is a context made here from a root: only the
// code holding its cancel function cancels it.
func (s *Scope) IsOwned(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		_, ok := s.owned[s.info.Uses[e]]
		return ok
	case *ast.CallExpr:
		if len(e.Args) == 0 || !analysisutil.IsFunc(s.info, e,
			"context.WithCancel", "context.WithCancelCause", "context.WithTimeout", "context.WithTimeoutCause",
			"context.WithDeadline", "context.WithDeadlineCause", "context.WithValue", "os/signal.NotifyContext") {
			return false
		}
		return s.IsRoot(e.Args[0]) || s.IsOwned(e.Args[0])
	}
	return false
}

// Contexts returns the context variables visible at pos, innermost scope
// first and, within a scope, the latest declared first. Roots are left out;
// so are contexts owned by notOwnedBy (a FuncDecl or FuncLit), when it is
// not nil: a function's own context is not its caller's cancellation.
func (s *Scope) Contexts(pos token.Pos, notOwnedBy ast.Node) []*types.Var {
	var out []*types.Var
	s.walk(pos, func(v *types.Var) bool {
		if !analysisutil.IsContext(v.Type()) {
			return false
		}
		if owner, ok := s.owned[v]; ok && notOwnedBy != nil && owner == notOwnedBy {
			return false
		}
		return true
	}, func(here []*types.Var) bool {
		out = append(out, here...)
		return true
	})
	return out
}

// Source is a context the code at some position can pass on: a context
// variable, or r.Context() of an *http.Request parameter.
type Source struct {
	Var  *types.Var
	Expr string // what to write: "ctx" or "r.Context()"
}

// Source returns the context to use at pos: the first of Contexts(pos, nil),
// else the innermost *http.Request parameter. ok is false when there is
// none.
func (s *Scope) Source(pos token.Pos) (src Source, ok bool) {
	if ctxs := s.Contexts(pos, nil); len(ctxs) > 0 {
		return Source{Var: ctxs[0], Expr: ctxs[0].Name()}, true
	}
	var req *types.Var
	s.walk(pos, func(v *types.Var) bool {
		return v.Kind() == types.ParamVar && isRequestPtr(v.Type())
	}, func(here []*types.Var) bool {
		req = here[len(here)-1] // the earliest declared of the innermost scope
		return false
	})
	if req == nil {
		return Source{}, false
	}
	return Source{Var: req, Expr: req.Name() + ".Context()"}, true
}

// walk visits the scopes around pos from the innermost outwards, up to the
// package scope. For each scope it gives visit the variables keep accepts
// that are declared before pos and not shadowed there (roots excluded),
// latest declared first; visit returns false to stop.
func (s *Scope) walk(pos token.Pos, keep func(*types.Var) bool, visit func([]*types.Var) bool) {
	pkgScope := s.pkg.Scope()
	inner := pkgScope.Innermost(pos)
	for sc := inner; sc != nil && sc != pkgScope && sc != types.Universe; sc = sc.Parent() {
		var here []*types.Var
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || name == "_" || v.IsField() || s.roots[v] || !keep(v) {
				continue
			}
			if _, obj := inner.LookupParent(name, pos); obj != v {
				continue // declared after pos, or shadowed
			}
			here = append(here, v)
		}
		if len(here) == 0 {
			continue
		}
		sort.Slice(here, func(i, j int) bool { return here[i].Pos() > here[j].Pos() })
		if !visit(here) {
			return
		}
	}
}

// isRequestPtr reports whether t is *net/http.Request.
func isRequestPtr(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && analysisutil.IsNamedType(p.Elem(), "net/http", "Request")
}

// EnclosingFunc returns the innermost FuncLit or FuncDecl around c.
func EnclosingFunc(c inspector.Cursor) (ast.Node, bool) { return enclosingFunc(c) }

func enclosingFunc(c inspector.Cursor) (ast.Node, bool) {
	for fc := range c.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return fc.Node(), true
	}
	return nil, false
}
