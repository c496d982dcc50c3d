package wgmisuse

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

const catSkippedStart = "counted-start-skipped"

// countedStartSkipped reports wg.Add(len(xs)) followed by a range over xs
// whose body can leave an iteration (continue, break) before the go
// statement of the goroutine that calls wg.Done, with no wg.Done of its
// own on that way: the element was counted and nothing counts it down,
// so the Wait after the loop blocks forever.
func (c *checker) countedStartSkipped(cur inspector.Cursor, add *ast.CallExpr) {
	r, recv, ok := c.wgCall(add, addMethod)
	if !ok || len(add.Args) != 1 {
		return
	}
	n, ok := ast.Unparen(add.Args[0]).(*ast.CallExpr)
	if !ok || len(n.Args) != 1 || !c.isBuiltin(n.Fun, "len") {
		return
	}
	stmt, ok := cur.Parent().Node().(*ast.ExprStmt)
	if !ok {
		return
	}
	// The range over the counted slice that follows in the same list.
	var loop *ast.RangeStmt
	list, ok := cur.Parent().Parent().Node().(*ast.BlockStmt)
	if !ok {
		return
	}
	for i, st := range list.List {
		if st != ast.Stmt(stmt) {
			continue
		}
		for _, next := range list.List[i+1:] {
			if rs, ok := next.(*ast.RangeStmt); ok && types.ExprString(rs.X) == types.ExprString(n.Args[0]) {
				loop = rs
				break
			}
		}
	}
	if loop == nil {
		return
	}
	// The goroutine that counts itself down: a go statement of the body.
	var start *ast.GoStmt
	for _, st := range loop.Body.List {
		if g, ok := st.(*ast.GoStmt); ok && c.countsDown(g, r) {
			start = g
			break
		}
	}
	if start == nil {
		return // started in a branch, or by a helper: not judged
	}
	for _, st := range loop.Body.List {
		if st == ast.Stmt(start) {
			return
		}
		if exit := c.exitWithoutDone(st, r); exit != nil {
			wg := exprText(recv)
			c.pass.Report(analysis.Diagnostic{
				Pos:      exit.Pos(),
				End:      exit.End(),
				Category: catSkippedStart,
				Message: fmt.Sprintf("%s counts every element of %s, but this %s skips the goroutine of this one and nothing calls %s.Done for it: %s.Wait then blocks forever; call %s.Add(1) before each go statement instead, or %s.Done before the %s",
					exprText(add), types.ExprString(loop.X), exit.Tok, wg, wg, wg, wg, exit.Tok),
				Related: []analysis.RelatedInformation{
					{Pos: add.Pos(), End: add.End(), Message: "every element counted here"},
					{Pos: start.Pos(), End: start.End(), Message: "the goroutine that counts one down"},
				},
			})
			return
		}
	}
}

// countsDown reports whether the goroutine g starts calls r.Done (a
// function literal that does, deferred or not).
func (c *checker) countsDown(g *ast.GoStmt, r cfgpath.Ref) bool {
	lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
	if !ok {
		return false
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if got, _, ok := c.doneCall(call); ok && got == r {
				found = true
			}
		}
		return !found
	})
	return found
}

// exitWithoutDone returns a continue or break of the range in st (not of a
// nested loop, switch or select, nor in a function literal) that no r.Done
// in its own block precedes.
func (c *checker) exitWithoutDone(st ast.Stmt, r cfgpath.Ref) *ast.BranchStmt {
	var out *ast.BranchStmt
	var walk func(list []ast.Stmt)
	walk = func(list []ast.Stmt) {
		done := false
		for _, s := range list {
			if out != nil {
				return
			}
			switch s := s.(type) {
			case *ast.ExprStmt:
				if call, ok := s.X.(*ast.CallExpr); ok {
					if got, _, ok := c.doneCall(call); ok && got == r {
						done = true
					}
				}
			case *ast.BranchStmt:
				if (s.Tok == token.CONTINUE || s.Tok == token.BREAK) && s.Label == nil && !done {
					out = s
				}
			case *ast.BlockStmt:
				walk(s.List)
			case *ast.IfStmt:
				if !done {
					walk(s.Body.List)
					switch e := s.Else.(type) {
					case *ast.BlockStmt:
						walk(e.List)
					case *ast.IfStmt:
						walk([]ast.Stmt{e})
					}
				}
			}
		}
	}
	walk([]ast.Stmt{st})
	return out
}

// isBuiltin reports whether fun names the builtin name.
func (c *checker) isBuiltin(fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := c.pass.TypesInfo.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}
