package lockblock

import (
	"go/ast"
	"go/types"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// condWait is where a function waits on a sync.Cond: the Wait call, seen
// through the calls that lead to it.
type condWait struct {
	call *ast.CallExpr // the Wait
	name string        // q.cond
}

// condWaiter reports a call, under a lock, of a function of the package
// that waits on a sync.Cond until another goroutine signals it: a blocking
// getter (a work queue's Get) that takes its own lock and waits for an
// item. Every goroutine that needs the caller's lock waits as long. A call
// through an interface of the package counts when every implementation in
// the package waits. It returns whether it reported.
func (s *scanner) condWaiter(call *ast.CallExpr, st state) bool {
	var w *condWait
	if fn := analysisutil.CalleeFunc(s.pass.TypesInfo, call); fn != nil && fn.Pkg() == s.pass.Pkg {
		if recv := fn.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) {
			w = s.implementationsWait(fn)
		} else {
			w = s.waitsOnCond(fn)
		}
	}
	if w == nil {
		return false
	}
	line := s.pass.Fset.Position(w.call.Pos()).Line
	s.report(call, st, catWait, "is held while calling %[2]s, which waits on %[3]s (line %[4]d) until another goroutine signals it: %[1]s waits as long",
		types.ExprString(call.Fun), w.name, line)
	return true
}

// waitsOnCond returns where fn, a function of the package, waits on a
// sync.Cond, when it does: it calls Cond.Wait after taking a lock itself
// (a Wait helper that expects its caller to hold the Cond's lock is the
// caller's business), and not only when a parameter asks it to (if wait {
// for full { cond.Wait() } }). A thin wrapper, whose body is one call of
// such a function, waits too; longer chains are not followed (a wait deep
// in a callee is usually conditional on what the caller passes).
func (s *scanner) waitsOnCond(fn *types.Func) *condWait {
	if s.condMemo == nil {
		s.condMemo = map[*types.Func]*condWait{}
	}
	if w, ok := s.condMemo[fn]; ok {
		return w
	}
	s.condMemo[fn] = nil // recursion: not (yet) known to wait
	decl := s.decls[fn.Origin()]
	if decl == nil || decl.Body == nil {
		return nil
	}
	if w := s.wrapped(decl); w != nil {
		s.condMemo[fn] = w
		return w
	}
	if s.locks == nil {
		return nil
	}
	f := s.locks.Of(fn.Origin())
	if f == nil || len(f.EntryHeld) > 0 {
		return nil // it takes no lock, or releases its caller's: a Wait-like helper
	}
	locks := false
	for _, a := range f.Acquires {
		locks = locks || a.Via == nil
	}
	if !locks {
		return nil
	}
	params := map[types.Object]bool{}
	for _, fl := range decl.Type.Params.List {
		for _, n := range fl.Names {
			params[s.pass.TypesInfo.Defs[n]] = true
		}
	}
	var found *condWait
	var conds []ast.Expr // conditions of the enclosing ifs and loops
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if found != nil || n == nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			return false // runs at another time, or in another goroutine
		case *ast.IfStmt:
			conds = append(conds, n.Cond)
			ast.Inspect(n.Body, visit)
			conds = conds[:len(conds)-1]
			if n.Else != nil {
				ast.Inspect(n.Else, visit)
			}
			return false
		case *ast.ForStmt:
			conds = append(conds, n.Cond)
			ast.Inspect(n.Body, visit)
			conds = conds[:len(conds)-1]
			return false
		case *ast.CallExpr:
			if !analysisutil.IsFunc(s.pass.TypesInfo, n, "(*sync.Cond).Wait") || s.mentions(conds, params) {
				return true
			}
			name := "a sync.Cond"
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
				name = types.ExprString(sel.X)
			}
			found = &condWait{call: n, name: name}
			return false
		}
		return true
	}
	ast.Inspect(decl.Body, visit)
	s.condMemo[fn] = found
	return found
}

// wrapped returns where the function a thin wrapper calls waits: decl's
// body is a single statement that calls a function of the package (not an
// interface method), as in func (s *S) next() T { return s.q.Get() }.
func (s *scanner) wrapped(decl *ast.FuncDecl) *condWait {
	if len(decl.Body.List) != 1 {
		return nil
	}
	var call *ast.CallExpr
	switch st := decl.Body.List[0].(type) {
	case *ast.ExprStmt:
		call, _ = ast.Unparen(st.X).(*ast.CallExpr)
	case *ast.ReturnStmt:
		if len(st.Results) == 1 {
			call, _ = ast.Unparen(st.Results[0]).(*ast.CallExpr)
		}
	}
	if call == nil {
		return nil
	}
	callee := analysisutil.CalleeFunc(s.pass.TypesInfo, call)
	if callee == nil || callee.Pkg() != s.pass.Pkg {
		return nil
	}
	if recv := callee.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) {
		return nil
	}
	return s.waitsOnCond(callee)
}

// mentions reports whether one of the conditions uses one of the objects.
func (s *scanner) mentions(conds []ast.Expr, objs map[types.Object]bool) bool {
	found := false
	for _, c := range conds {
		ast.Inspect(c, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && objs[s.pass.TypesInfo.Uses[id]] {
				found = true
			}
			return !found
		})
	}
	return found
}

// implementationsWait returns where the implementations of the interface
// method m wait on a sync.Cond, when the package has at least one and
// every one of them does.
func (s *scanner) implementationsWait(m *types.Func) *condWait {
	recv := m.Signature().Recv()
	iface, ok := recv.Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	var found *condWait
	scope := s.pass.Pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
			continue
		}
		var t types.Type = tn.Type()
		if !types.Implements(t, iface) {
			t = types.NewPointer(t)
			if !types.Implements(t, iface) {
				continue
			}
		}
		obj, _, _ := types.LookupFieldOrMethod(t, true, s.pass.Pkg, m.Name())
		impl, ok := obj.(*types.Func)
		if !ok {
			return nil
		}
		w := s.waitsOnCond(impl)
		if w == nil {
			return nil // an implementation that does not wait (or is not followed)
		}
		if found == nil {
			found = w
		}
	}
	return found
}
