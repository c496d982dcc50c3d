package condsignal

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// neverSignalled reports the Waits on a Cond that nothing can wake: no
// Signal or Broadcast on it anywhere in the package, and no way for other
// code to reach it (it is not exported, nor handed to anything).
func (c *checker) neverSignalled(cd *cond) {
	if len(cd.waits) == 0 || len(cd.signals) > 0 || cd.escapes || c.reachable(cd) {
		return
	}
	for _, w := range cd.waits {
		sel := ast.Unparen(w.Fun).(*ast.SelectorExpr)
		name := types.ExprString(sel.X)
		c.pass.Report(analysis.Diagnostic{
			Pos:      w.Pos(),
			End:      w.End(),
			Category: catNever,
			Message: fmt.Sprintf("%s.Wait blocks forever: nothing in this package calls Signal or Broadcast on %s",
				name, name),
			Related: []analysis.RelatedInformation{{Pos: cd.obj.Pos(), End: cd.obj.Pos() + 1, Message: name + " is declared here"}},
		})
	}
}

// waitOutsideLoop reports a Cond's Wait that is not inside a loop: when it
// returns, nothing checks the condition again. A Signal sent before the
// Wait is lost (the goroutine then sleeps until the next one, maybe
// forever), and a Broadcast meant for another condition returns with this
// one still false. A function that only wraps the Wait, called in loops by
// every caller in the package, is not reported.
func (c *checker) waitOutsideLoop(cur inspector.Cursor, call *ast.CallExpr) {
	if !analysisutil.IsFunc(c.pass.TypesInfo, call, waitMethod) {
		return
	}
	if _, _, _, ok := c.condOf(call); !ok {
		return
	}
	if tf := c.pass.Fset.File(call.Pos()); tf != nil && strings.HasSuffix(tf.Name(), "_test.go") {
		return // tests stage the order of events, and tests of Cond itself wait bare
	}
	if c.inLoop(cur, make(map[types.Object]bool)) {
		return
	}
	sel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	name := types.ExprString(sel.X)
	c.pass.Report(analysis.Diagnostic{
		Pos:      call.Pos(),
		End:      call.End(),
		Category: catLoop,
		Message: fmt.Sprintf("%s.Wait is not in a loop: the condition is not checked again when it returns, and a Signal sent before it is lost; wait in a for loop over the condition",
			name),
	})
}

// inLoop reports whether the node at cur runs in a loop: its block of the
// function's control-flow graph lies on a cycle (a for, a range, a goto
// back), or, for an unexported function of this package, the place of
// every call of it in the package does.
func (c *checker) inLoop(cur inspector.Cursor, seen map[types.Object]bool) bool {
	fnCur, ok := cfgpath.EnclosingFunc(cur)
	if !ok {
		return false
	}
	if _, x := c.graph(fnCur.Node()); x != nil {
		if site, ok := x.Site(cur.Node()); ok {
			if _, cycle := (cfgpath.Walk{}).From(site.Block.Succs...)[site.Block]; cycle {
				return true
			}
		}
	}
	fd, ok := fnCur.Node().(*ast.FuncDecl)
	if !ok {
		return false
	}
	fn, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
	if !ok || fn.Exported() || seen[fn] {
		return false
	}
	seen[fn] = true
	uses := c.usesOf(fn)
	if len(uses) == 0 {
		return false
	}
	for _, u := range uses {
		if !c.inLoop(u, seen) {
			return false
		}
	}
	return true
}

// usesOf returns the places this package names the function fn.
func (c *checker) usesOf(fn types.Object) []inspector.Cursor {
	if c.uses == nil {
		c.uses = make(map[types.Object][]inspector.Cursor)
		for cur := range c.insp.Root().Preorder((*ast.Ident)(nil)) {
			if f, ok := c.pass.TypesInfo.Uses[cur.Node().(*ast.Ident)].(*types.Func); ok && f.Pkg() == c.pass.Pkg {
				c.uses[f] = append(c.uses[f], cur)
			}
		}
	}
	return c.uses[fn]
}

// watched returns the variables and fields the waiters of cd check
// before they wait again: those read by the condition of the loop around
// each Wait, by the conditions of the ifs inside it, and by the functions
// of this package those conditions call. ok is false when a Wait is not in
// a loop: what its waiter waits for is not written down.
func (c *checker) watched(cd *cond) (map[types.Object]bool, bool) {
	if cd.watched != nil || cd.unwatched {
		return cd.watched, !cd.unwatched
	}
	info := c.pass.TypesInfo
	out := make(map[types.Object]bool)
	var reads func(e ast.Node, depth int)
	reads = func(e ast.Node, depth int) {
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.SelectorExpr:
				if v, ok := info.Uses[n.Sel].(*types.Var); ok {
					out[v] = true
				}
			case *ast.Ident:
				if v, ok := info.Uses[n].(*types.Var); ok && v.Parent() == c.pass.Pkg.Scope() {
					out[v] = true
				}
			case *ast.CallExpr:
				if fn := analysisutil.CalleeFunc(info, n); fn != nil && depth == 0 {
					if d := c.decls[fn]; d != nil {
						reads(d.Body, depth+1)
					}
				}
			}
			return true
		})
	}
	for _, w := range cd.waits {
		loop := c.loopAround(w)
		if loop == nil {
			cd.unwatched = true
			return nil, false
		}
		var body *ast.BlockStmt
		switch l := loop.(type) {
		case *ast.ForStmt:
			if l.Cond != nil {
				reads(l.Cond, 0)
			}
			body = l.Body
		case *ast.RangeStmt:
			body = l.Body
		}
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.IfStmt:
				reads(n.Cond, 0)
			}
			return true
		})
	}
	cd.watched = out
	return out, true
}

// loopAround returns the innermost loop around a call in its function.
func (c *checker) loopAround(call *ast.CallExpr) ast.Node {
	cur, ok := c.insp.Root().FindNode(call)
	if !ok {
		return nil
	}
	for lc := range cur.Parent().Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch n := lc.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return n
		}
		return nil
	}
	return nil
}
