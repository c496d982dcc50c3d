package wgmisuse

import (
	"fmt"
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
)

// addInside reports wg.Add calls inside a goroutine's body on a WaitGroup the
// goroutine shares with its starter. An Add that precedes a go statement in
// the same statement list counts that child goroutine, which is fine.
func (c *checker) addInside(b *body) {
	type site struct {
		call   *ast.CallExpr
		recv   ast.Expr
		r      ref
		stmt   *ast.ExprStmt
		parent ast.Node
	}
	var sites []site
	total := 0
	inspectBody(b.block, func(n ast.Node, stack []ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		r, recv, ok := c.wgCall(call, addMethod)
		if !ok {
			return true
		}
		total++
		if b.local(r.root) || len(stack) < 2 {
			return true
		}
		stmt, ok := stack[len(stack)-1].(*ast.ExprStmt)
		if !ok {
			return true // defer wg.Add(-1) and the like: not a count of new work
		}
		parent := stack[len(stack)-2]
		if spawnsLater(stmtList(parent), stmt) {
			return true // wg.Add(1); go child(): counts the child
		}
		sites = append(sites, site{call, recv, r, stmt, parent})
		return true
	})

	for _, s := range sites {
		wg := exprText(s.recv)
		if b.named != nil {
			c.pass.Report(analysis.Diagnostic{
				Pos:      b.goStmt.Call.Pos(),
				End:      b.goStmt.Call.End(),
				Category: catAdd,
				Message: fmt.Sprintf("%s calls %s.Add inside the goroutine this statement starts (line %d): Wait may return before it is counted; call Add before the go statement",
					b.named.Name(), wg, c.line(s.call.Pos())),
				Related: []analysis.RelatedInformation{{Pos: s.call.Pos(), End: s.call.End(), Message: wg + ".Add called here"}},
			})
			continue
		}
		d := analysis.Diagnostic{
			Pos:      s.call.Pos(),
			End:      s.call.End(),
			Category: catAdd,
			Message: fmt.Sprintf("%s.Add is called inside the goroutine: %s.Wait may return before it runs; call %s.Add before the go statement (line %d)",
				wg, wg, wg, c.line(b.goStmt.Pos())),
			Related: []analysis.RelatedInformation{{Pos: b.goStmt.Pos(), End: b.goStmt.Call.Lparen, Message: "goroutine started here"}},
		}
		if total == 1 && s.parent == b.block {
			d.SuggestedFixes = c.moveAddFix(b, s.call, s.recv, s.r, s.stmt)
		}
		c.pass.Report(d)
	}
}

// spawnsLater reports whether a statement after stmt in list starts a
// goroutine (outside function literals).
func spawnsLater(list []ast.Stmt, stmt ast.Stmt) bool {
	after := false
	for _, s := range list {
		if s == stmt {
			after = true
			continue
		}
		if !after {
			continue
		}
		found := false
		inspectBody(s, func(n ast.Node, _ []ast.Node) bool {
			if _, ok := n.(*ast.GoStmt); ok {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// moveAddFix moves a constant wg.Add from the top level of a go func literal
// to just before the go statement.
func (c *checker) moveAddFix(b *body, call *ast.CallExpr, recv ast.Expr, r ref, stmt *ast.ExprStmt) []analysis.SuggestedFix {
	lit, ok := b.fn.(*ast.FuncLit)
	if !ok || len(call.Args) != 1 || b.goParent == nil || stmtList(b.goParent) == nil {
		return nil
	}
	if r.root.Pos() >= lit.Pos() && r.root.Pos() < lit.End() {
		return nil // a parameter of the literal: not in scope at the go statement
	}
	if tv, ok := c.pass.TypesInfo.Types[call.Args[0]]; !ok || tv.Value == nil {
		return nil // the count depends on the goroutine's own values
	}
	src := c.source(call.Pos())
	if src == nil || c.source(b.goStmt.Pos()) != src {
		return nil
	}
	add := src.text(recv) + ".Add(" + src.text(call.Args[0]) + ")"
	return []analysis.SuggestedFix{{
		Message: "Move " + add + " before the go statement",
		TextEdits: []analysis.TextEdit{
			src.insertStmt(b.goStmt.Pos(), add),
			src.deleteStmt(stmt),
		},
	}}
}

// doneUse is how one WaitGroup's Done appears in a goroutine body.
type doneUse struct {
	recv     ast.Expr
	plain    []*ast.ExprStmt // wg.Done() statements, in order
	parents  []ast.Node      // the node holding each plain statement
	deferred bool            // defer wg.Done(), or inside a deferred func literal
	opaque   bool            // in a loop, a callback, a method value: not ours to judge
}

// doneNotDeferred reports a direct wg.Done when some path through the
// goroutine reaches a return without passing it.
func (c *checker) doneNotDeferred(b *body) {
	info := c.pass.TypesInfo
	uses := make(map[ref]*doneUse)
	var order []ref
	use := func(r ref, recv ast.Expr) *doneUse {
		u := uses[r]
		if u == nil {
			u = &doneUse{recv: recv}
			uses[r] = u
			order = append(order, r)
		}
		return u
	}
	confused := false // a Done we cannot attribute: stay silent
	var stack []ast.Node
	ast.Inspect(b.block, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			// Done inside a nested literal: deferred if the literal is
			// deferred, otherwise a callback we cannot follow.
			deferred := false
			if len(stack) >= 2 {
				if d, ok := stack[len(stack)-2].(*ast.DeferStmt); ok && d.Call != nil && d.Call.Fun == n {
					deferred = true
				}
			}
			inspectBody(n.Body, func(m ast.Node, _ []ast.Node) bool {
				if call, ok := m.(*ast.CallExpr); ok {
					if r, recv, ok := c.wgCall(call, doneMethod); ok {
						if deferred {
							use(r, recv).deferred = true
						} else {
							use(r, recv).opaque = true
						}
					}
				}
				return true
			})
			return false
		case *ast.CallExpr:
			r, recv, ok := c.wgCall(n, doneMethod)
			if !ok {
				break
			}
			u := use(r, recv)
			if len(stack) == 0 {
				u.opaque = true
				return false
			}
			switch parent := stack[len(stack)-1].(type) {
			case *ast.DeferStmt:
				u.deferred = true
			case *ast.ExprStmt:
				if inLoop(stack) || len(stack) < 2 {
					u.opaque = true // counting items, not goroutines
					break
				}
				u.plain = append(u.plain, parent)
				u.parents = append(u.parents, stack[len(stack)-2])
			default:
				u.opaque = true
			}
			return false // Done takes no arguments; its selector is accounted for
		case *ast.SelectorExpr:
			if fn, ok := info.Uses[n.Sel].(*types.Func); ok && fn.FullName() == doneMethod {
				confused = true // wg.Done as a method value
			}
		}
		stack = append(stack, n)
		return true
	})
	if confused {
		return
	}
	for _, r := range order {
		u := uses[r]
		if u.deferred || u.opaque || len(u.plain) == 0 || b.local(r.root) {
			continue
		}
		g := cfg.New(b.block, c.mayReturn)
		ret := c.skippingReturn(g, r)
		if ret == nil {
			continue
		}
		// Report at the last Done: the one the skipping path was meant to reach.
		last, ok := u.plain[len(u.plain)-1].X.(*ast.CallExpr)
		if !ok || c.seen[last.Pos()] {
			continue
		}
		c.seen[last.Pos()] = true
		wg := exprText(u.recv)
		var msg string
		var rel analysis.RelatedInformation
		if ret.Pos() == b.block.Rbrace {
			msg = fmt.Sprintf("%s.Done is not deferred and a path to the end of the goroutine (line %d) skips it: %s.Wait then blocks forever",
				wg, c.line(ret.Pos()), wg)
			rel = analysis.RelatedInformation{Pos: b.block.Rbrace, End: b.block.Rbrace + 1, Message: "reaches the end without " + wg + ".Done"}
		} else {
			msg = fmt.Sprintf("%s.Done is not deferred and the return at line %d skips it: %s.Wait then blocks forever",
				wg, c.line(ret.Pos()), wg)
			rel = analysis.RelatedInformation{Pos: ret.Pos(), End: ret.End(), Message: "returns without " + wg + ".Done"}
		}
		c.pass.Report(analysis.Diagnostic{
			Pos:            last.Pos(),
			End:            last.End(),
			Category:       catDone,
			Message:        msg,
			Related:        []analysis.RelatedInformation{rel},
			SuggestedFixes: c.deferDoneFix(b, u),
		})
	}
}

// inLoop reports whether the stack (from the goroutine body down) holds a loop.
func inLoop(stack []ast.Node) bool {
	for _, n := range stack {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		}
	}
	return false
}

// skippingReturn returns a return statement (possibly the implicit one at the
// closing brace) reachable from the entry without a call of r.Done, or nil.
func (c *checker) skippingReturn(g *cfg.CFG, r ref) *ast.ReturnStmt {
	if len(g.Blocks) == 0 {
		return nil
	}
	seen := make(map[*cfg.Block]bool)
	work := []*cfg.Block{g.Blocks[0]}
	for len(work) > 0 {
		blk := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[blk] {
			continue
		}
		seen[blk] = true
		if c.blockCallsDone(blk, r) {
			continue
		}
		if ret := blk.Return(); ret != nil {
			return ret
		}
		work = append(work, blk.Succs...)
	}
	return nil
}

func (c *checker) blockCallsDone(blk *cfg.Block, r ref) bool {
	for _, n := range blk.Nodes {
		es, ok := n.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, _ := ast.Unparen(es.X).(*ast.CallExpr)
		if got, _, ok := c.wgCall(call, doneMethod); ok && got == r {
			return true
		}
	}
	return false
}

// mayReturn tells the CFG builder which calls never return. Paths that end in
// a panic or an exit are out of scope.
func (c *checker) mayReturn(call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if bi, ok := c.pass.TypesInfo.Uses[id].(*types.Builtin); ok && bi.Name() == "panic" {
			return false
		}
	}
	return !analysisutil.IsFunc(c.pass.TypesInfo, call,
		"os.Exit", "runtime.Goexit",
		"log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
		"(*log.Logger).Fatal", "(*log.Logger).Fatalf", "(*log.Logger).Fatalln",
		"(*log.Logger).Panic", "(*log.Logger).Panicf", "(*log.Logger).Panicln",
		"(*testing.common).FailNow", "(*testing.common).Fatal", "(*testing.common).Fatalf",
		"(*testing.common).SkipNow", "(*testing.common).Skip", "(*testing.common).Skipf")
}

// deferDoneFix replaces the direct Done calls with one deferred at the top of
// the goroutine body.
func (c *checker) deferDoneFix(b *body, u *doneUse) []analysis.SuggestedFix {
	if len(b.block.List) == 0 {
		return nil
	}
	src := c.source(b.block.Pos())
	if src == nil {
		return nil
	}
	first := b.block.List[0]
	firstLine := c.line(first.Pos())
	for i, s := range u.plain {
		if stmtList(u.parents[i]) == nil || s == first || c.line(s.Pos()) == firstLine {
			return nil
		}
	}
	stmt := "defer " + src.text(u.recv) + ".Done()"
	edits := []analysis.TextEdit{src.insertStmt(first.Pos(), stmt)}
	for _, s := range u.plain {
		edits = append(edits, src.deleteStmt(s))
	}
	return []analysis.SuggestedFix{{
		Message:   "Replace with " + stmt + " at the top of the goroutine",
		TextEdits: edits,
	}}
}

// waitInside reports wg.Wait inside a goroutine that wg counts: the goroutine
// waits for its own Done. counted is the WaitGroup whose Go started the
// goroutine, if any; otherwise a WaitGroup whose Done the body defers counts.
func (c *checker) waitInside(b *body, counted *ref) {
	type count struct {
		pos  ast.Node
		what string
	}
	counts := make(map[ref]count)
	if counted != nil {
		wg := "Go"
		if sel, ok := ast.Unparen(b.wgGo.Fun).(*ast.SelectorExpr); ok {
			wg = exprText(sel.X) + ".Go"
		}
		counts[*counted] = count{b.wgGo, fmt.Sprintf("started by %s at line %d", wg, c.line(b.wgGo.Pos()))}
	} else {
		inspectBody(b.block, func(n ast.Node, _ []ast.Node) bool {
			if d, ok := n.(*ast.DeferStmt); ok {
				if r, _, ok := c.wgCall(d.Call, doneMethod); ok && !b.local(r.root) {
					if _, dup := counts[r]; !dup {
						counts[r] = count{d, fmt.Sprintf("Done deferred at line %d", c.line(d.Pos()))}
					}
				}
			}
			return true
		})
	}
	if len(counts) == 0 {
		return
	}
	inspectBody(b.block, func(n ast.Node, _ []ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		r, recv, ok := c.wgCall(call, waitMethod)
		if !ok {
			return true
		}
		cnt, ok := counts[r]
		if !ok || c.seen[call.Pos()] {
			return true
		}
		c.seen[call.Pos()] = true
		wg := exprText(recv)
		c.pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			End:      call.End(),
			Category: catWait,
			Message: fmt.Sprintf("%s.Wait inside a goroutine that %s counts never returns: it waits for this goroutine's own Done (%s)",
				wg, wg, cnt.what),
			Related: []analysis.RelatedInformation{{Pos: cnt.pos.Pos(), End: cnt.pos.End(), Message: "the goroutine is counted here"}},
		})
		return true
	})
}
