package doublelock

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

const catOnce = "once-reentered"

// onceReentered reports x.once.Do(f) when f, run by Do in the caller's
// goroutine, calls x.once.Do again: directly, or through methods of x
// (c.once.Do(c.load), and load calls c.Get, which calls c.once.Do). The
// inner Do waits for the outer call to return, which waits for the inner
// one: the goroutine deadlocks (a lazy config whose loader reads a key
// through the lazy getter).
func onceReentered(pass *analysis.Pass, reported map[token.Pos]bool) {
	info := pass.TypesInfo
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, file := range pass.Files {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := info.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	for _, file := range pass.Files {
		if analysisutil.IsTestSupport(pass, file) {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 || reported[call.Pos()] {
				return true
			}
			root, once, ok := onceDo(info, call)
			if !ok {
				return true
			}
			var body ast.Node
			var recv types.Object
			switch f := ast.Unparen(call.Args[0]).(type) {
			case *ast.FuncLit:
				body, recv = f.Body, root
			case *ast.SelectorExpr:
				sel := info.Selections[f]
				id, ok := ast.Unparen(f.X).(*ast.Ident)
				if sel == nil || sel.Kind() != types.MethodVal || !ok || info.Uses[id] != root {
					return true
				}
				d := decls[sel.Obj().(*types.Func)]
				if d == nil || d.Recv == nil || len(d.Recv.List[0].Names) != 1 {
					return true
				}
				body, recv = d.Body, info.Defs[d.Recv.List[0].Names[0]]
			default:
				return true
			}
			if inner, first := reenters(info, decls, body, recv, once, 0); inner != nil && !reported[first.Pos()] {
				reported[call.Pos()], reported[first.Pos()] = true, true
				name := types.ExprString(call.Fun.(*ast.SelectorExpr).X)
				again := fmt.Sprintf("%s.Do is called again here", name)
				if first != inner {
					again = fmt.Sprintf("%s, called here, calls %s.Do again (%s)", types.ExprString(first.Fun), name, where(pass, inner.Pos(), first.Pos()))
				}
				pass.Report(analysis.Diagnostic{
					Pos:      first.Pos(),
					End:      first.End(),
					Category: catOnce,
					Message: fmt.Sprintf("%s while %s.Do runs this function (%s): the inner Do waits for the outer one to return, and the outer one for the inner: the goroutine deadlocks",
						again, name, where(pass, call.Pos(), first.Pos())),
					Related: []analysis.RelatedInformation{
						{Pos: call.Pos(), End: call.End(), Message: "the outer Do runs it here"},
						{Pos: inner.Pos(), End: inner.End(), Message: "Do called again here"},
					},
				})
			}
			return true
		})
	}
}

// onceDo reports a call x.f.Do(...) of a sync.Once field f of a variable
// x: the variable and the field.
func onceDo(info *types.Info, call *ast.CallExpr) (types.Object, *types.Var, bool) {
	if !analysisutil.IsFunc(info, call, "(*sync.Once).Do") {
		return nil, nil, false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil, nil, false
	}
	field, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
	if !ok {
		return nil, nil, false
	}
	id, ok := ast.Unparen(field.X).(*ast.Ident)
	if !ok {
		return nil, nil, false
	}
	f, ok := info.Uses[field.Sel].(*types.Var)
	if !ok || !f.IsField() {
		return nil, nil, false
	}
	return info.Uses[id], f, true
}

// reenters looks in body for recv.once.Do, directly or in the methods of
// the package body calls on recv (three levels down): that Do call, and the
// call of body that leads to it (the Do itself when direct).
func reenters(info *types.Info, decls map[*types.Func]*ast.FuncDecl, body ast.Node, recv types.Object, once *types.Var, depth int) (*ast.CallExpr, *ast.CallExpr) {
	if recv == nil || depth > 3 {
		return nil, nil
	}
	var found, first *ast.CallExpr
	ast.Inspect(body, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			return false // another goroutine waits, it does not deadlock this one
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if root, f, ok := onceDo(info, n); ok && root == recv && f == once {
				found, first = n, n
				return false
			}
			sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := ast.Unparen(sel.X).(*ast.Ident)
			s := info.Selections[sel]
			if !ok || info.Uses[id] != recv || s == nil || s.Kind() != types.MethodVal {
				return true
			}
			m, _ := s.Obj().(*types.Func)
			d := decls[m]
			if d == nil || d.Recv == nil || len(d.Recv.List[0].Names) != 1 {
				return true
			}
			if inner, _ := reenters(info, decls, d.Body, info.Defs[d.Recv.List[0].Names[0]], once, depth+1); inner != nil {
				found, first = inner, n
				return false
			}
		}
		return true
	})
	return found, first
}
