package wgmisuse

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// spawn is a goroutine start inside a loop: a go statement whose goroutine
// the WaitGroup counts, or a Go call that counts itself.
type spawn struct {
	node ast.Node
	site cfgpath.Site
	self bool // wg.Go or an errgroup's Go: counted by the call itself
}

// waitInLoop reports wg.Wait (or an errgroup's Wait) inside the loop that
// starts the goroutines it waits for, when on the graph every goroutine
// start is followed by the Wait in the same iteration:
//   - with every goroutine counted by one Add before the loop, the first
//     Wait waits for goroutines that have not started: it blocks forever;
//   - with the Add (or Go) inside the loop, each Wait waits for the one
//     goroutine just started, before the loop starts the next: they run one
//     at a time. Reported when the iteration starts one goroutine and does
//     nothing else before the Wait, and the loop goes over input (a range,
//     or a for with a condition): a per-iteration fan-out, or work that
//     overlaps the goroutine, is intended.
func (c *checker) waitInLoop(cur inspector.Cursor, call *ast.CallExpr) {
	r, recv, ok := c.wgCall(call, waitMethod, groupWait)
	if !ok {
		return
	}
	group := analysisutil.IsFunc(c.pass.TypesInfo, call, groupWait)
	loopCur, ok := innermostLoop(cur)
	if !ok {
		return
	}
	fnCur, ok := cfgpath.EnclosingFunc(cur)
	if !ok {
		return
	}
	g, x := c.graph(fnCur.Node())
	if g == nil {
		return
	}
	wait, ok := x.Site(call)
	if !ok {
		return
	}
	heads := loopHeads(g, loopCur.Node())
	spawns := c.spawnsIn(loopCur, x, r, group)
	if len(spawns) == 0 {
		return
	}
	// The Wait must follow a goroutine start in the same iteration.
	var first *spawn
	for i := range spawns {
		if sameIteration(spawns[i].site, wait, heads) {
			first = &spawns[i]
			break
		}
	}
	if first == nil {
		return
	}
	var inLoop, before []*ast.CallExpr
	if !group {
		for ac := range fnCur.Preorder((*ast.CallExpr)(nil)) {
			add := ac.Node().(*ast.CallExpr)
			if got, _, ok := c.wgCall(add, addMethod); !ok || got != r || len(add.Args) != 1 {
				continue
			}
			if _, ok := x.Site(add); !ok {
				continue
			}
			if within(ac, loopCur) {
				inLoop = append(inLoop, add)
			} else {
				before = append(before, add)
			}
		}
	}
	selfCounting := false
	for _, s := range spawns {
		selfCounting = selfCounting || s.self
	}
	wg := exprText(recv)
	loop := loopCur.Node().(ast.Stmt)
	switch {
	case len(inLoop) == 0 && !selfCounting && len(before) > 0:
		add := before[len(before)-1]
		var msg string
		if tv, ok := c.pass.TypesInfo.Types[add.Args[0]]; ok && tv.Value != nil && tv.Value.String() == "1" {
			msg = fmt.Sprintf("%s.Wait inside the loop returns after the first goroutine: %s.Add(1) at line %d counts only one, and the next goroutine's Done panics (negative WaitGroup counter); call %s.Wait after the loop",
				wg, wg, c.line(add.Pos()), wg)
		} else {
			msg = fmt.Sprintf("%s.Wait inside the loop blocks forever: %s at line %d counts every goroutine of the loop, but only the first has started when Wait runs; call %s.Wait after the loop",
				wg, exprText(add), c.line(add.Pos()), wg)
		}
		c.pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			End:      call.End(),
			Category: catLoop,
			Message:  msg,
			Related: []analysis.RelatedInformation{
				{Pos: add.Pos(), End: add.End(), Message: "the goroutines are counted here, before the loop"},
				{Pos: first.node.Pos(), End: first.node.End(), Message: "one goroutine started per iteration"},
			},
			SuggestedFixes: c.waitAfterLoopFix(call, loop, loopCur),
		})
	case len(inLoop) > 0 || selfCounting:
		if len(spawns) != 1 || !c.overInput(loop) || !everyIteration(first.site, wait, heads) || c.workBetween(first.site, wait, heads) {
			return
		}
		c.pass.Report(analysis.Diagnostic{
			Pos:      call.Pos(),
			End:      call.End(),
			Category: catLoop,
			Message: fmt.Sprintf("%s.Wait inside the loop waits for each goroutine before the next one starts: they run one at a time; call %s.Wait after the loop",
				wg, wg),
			Related:        []analysis.RelatedInformation{{Pos: first.node.Pos(), End: first.node.End(), Message: "goroutine started here, once per iteration"}},
			SuggestedFixes: c.waitAfterLoopFix(call, loop, loopCur),
		})
	}
}

// spawnsIn returns the goroutine starts directly in loop (not in a loop or
// a function literal nested in it) that r counts.
func (c *checker) spawnsIn(loopCur inspector.Cursor, x *cfgpath.Index, r cfgpath.Ref, group bool) []spawn {
	var out []spawn
	for sc := range loopCur.Preorder((*ast.GoStmt)(nil), (*ast.CallExpr)(nil)) {
		if l, ok := innermostLoop(sc); !ok || l != loopCur {
			continue
		}
		site, ok := x.Site(sc.Node())
		if !ok {
			continue // inside a function literal, or dead code
		}
		switch n := sc.Node().(type) {
		case *ast.GoStmt:
			if !group && c.mentions(n.Call, r) {
				out = append(out, spawn{node: n, site: site})
			}
		case *ast.CallExpr:
			methods := []string{goMethod}
			if group {
				methods = []string{groupGo, groupTryGo}
			}
			if got, _, ok := c.wgCall(n, methods...); ok && got == r {
				out = append(out, spawn{node: n, site: site, self: true})
			}
		}
	}
	return out
}

// mentions reports whether the go call uses r: its function literal calls a
// method of r, or r is passed to it.
func (c *checker) mentions(call *ast.CallExpr, r cfgpath.Ref) bool {
	found := false
	ast.Inspect(call, func(n ast.Node) bool {
		if found {
			return false
		}
		if e, ok := n.(ast.Expr); ok {
			if got, ok := cfgpath.RefOf(c.pass.TypesInfo, e); ok && got == r {
				found = true
			}
		}
		return !found
	})
	return found
}

// innermostLoop returns the innermost for or range statement around c in
// its function.
func innermostLoop(c inspector.Cursor) (inspector.Cursor, bool) {
	for lc := range c.Parent().Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch lc.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return lc, true
		}
		return inspector.Cursor{}, false
	}
	return inspector.Cursor{}, false
}

// within reports whether c lies inside outer.
func within(c, outer inspector.Cursor) bool {
	for p := c.Parent(); p.Node() != nil; p = p.Parent() {
		if p == outer {
			return true
		}
	}
	return false
}

// loopHeads returns the blocks where a new iteration of loop begins: its
// condition test, its post statement, or (for {}) its body.
func loopHeads(g *cfg.CFG, loop ast.Node) map[*cfg.Block]bool {
	heads := make(map[*cfg.Block]bool)
	for _, b := range g.Blocks {
		if b.Stmt != loop {
			continue
		}
		switch b.Kind {
		case cfg.KindForLoop, cfg.KindForPost, cfg.KindRangeLoop:
			heads[b] = true
		case cfg.KindForBody:
			if f, ok := loop.(*ast.ForStmt); ok && f.Cond == nil {
				heads[b] = true
			}
		}
	}
	return heads
}

// sameIteration reports whether a path from the start reaches the wait
// without beginning a new iteration of the loop.
func sameIteration(start, wait cfgpath.Site, heads map[*cfg.Block]bool) bool {
	if start.Block == wait.Block && start.At < wait.At {
		return true
	}
	walk := cfgpath.Walk{Stop: func(b *cfg.Block) bool { return heads[b] }}
	_, ok := walk.From(walk.Succs(start.Block)...)[wait.Block]
	return ok && !heads[wait.Block]
}

// everyIteration reports whether every path from the start back to the
// loop's head passes the wait: no iteration starts a goroutine without
// waiting for it.
func everyIteration(start, wait cfgpath.Site, heads map[*cfg.Block]bool) bool {
	if start.Block == wait.Block && start.At < wait.At {
		return true
	}
	walk := cfgpath.Walk{Stop: func(b *cfg.Block) bool { return b == wait.Block || heads[b] }}
	for b := range walk.From(start.Block.Succs...) {
		if heads[b] && b != wait.Block {
			return false
		}
	}
	return true
}

// workBetween reports whether anything runs between the start and the
// wait that overlaps the goroutine: a call (other than WaitGroup and
// errgroup methods, built-ins and conversions), a channel operation, or
// another go statement.
func (c *checker) workBetween(start, wait cfgpath.Site, heads map[*cfg.Block]bool) bool {
	var nodes []ast.Node
	if start.Block == wait.Block && start.At < wait.At {
		nodes = start.Block.Nodes[start.At+1 : wait.At]
	} else {
		nodes = append(nodes, start.Block.Nodes[start.At+1:]...)
		walk := cfgpath.Walk{Stop: func(b *cfg.Block) bool { return b == wait.Block || heads[b] }}
		for b := range walk.From(walk.Succs(start.Block)...) {
			switch {
			case b == wait.Block:
				nodes = append(nodes, b.Nodes[:wait.At]...)
			case !heads[b]:
				nodes = append(nodes, b.Nodes...)
			}
		}
	}
	for _, n := range nodes {
		if c.works(n) {
			return true
		}
	}
	return false
}

// works reports whether n does something that takes time or talks to
// another goroutine.
func (c *checker) works(n ast.Node) bool {
	info := c.pass.TypesInfo
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.GoStmt, *ast.SendStmt:
			found = true
		case *ast.UnaryExpr:
			found = m.Op == token.ARROW
		case *ast.CallExpr:
			if tv, ok := info.Types[m.Fun]; ok && (tv.IsType() || tv.IsBuiltin()) {
				break
			}
			if fn := analysisutil.CalleeFunc(info, m); fn != nil {
				if recv := fn.Signature().Recv(); recv != nil &&
					(analysisutil.IsNamedType(recv.Type(), "sync", "WaitGroup") || analysisutil.IsNamedType(recv.Type(), errgroupPath, "Group")) {
					break
				}
			}
			found = true
		}
		return !found
	})
	return found
}

// overInput reports whether loop goes over input, one goroutine per
// element: a range over a slice, map, string, channel or iterator, or over
// len(x), or a for whose condition compares with len(x). A loop that
// repeats a fixed number of times (a benchmark's b.N, a stress test's
// "for i := 0; i < 2; i++") or runs until told to stop (a supervisor's
// for {}) serialises on purpose.
func (c *checker) overInput(loop ast.Node) bool {
	info := c.pass.TypesInfo
	switch l := loop.(type) {
	case *ast.RangeStmt:
		t := info.TypeOf(l.X)
		if t == nil {
			return false
		}
		if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsInteger != 0 {
			return callsLen(info, l.X)
		}
		return true
	case *ast.ForStmt:
		return l.Cond != nil && callsLen(info, l.Cond)
	}
	return false
}

// callsLen reports whether e calls the built-in len.
func callsLen(info *types.Info, e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "len" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// waitAfterLoopFix moves a Wait that is the last statement of the loop's
// body to just after the loop.
func (c *checker) waitAfterLoopFix(call *ast.CallExpr, loop ast.Stmt, loopCur inspector.Cursor) []analysis.SuggestedFix {
	var body *ast.BlockStmt
	switch l := loop.(type) {
	case *ast.ForStmt:
		body = l.Body
	case *ast.RangeStmt:
		body = l.Body
	}
	if body == nil || len(body.List) == 0 {
		return nil
	}
	stmt, ok := body.List[len(body.List)-1].(*ast.ExprStmt)
	if !ok || stmt.X != ast.Expr(call) {
		return nil
	}
	outer := loopCur
	if _, ok := outer.Parent().Node().(*ast.LabeledStmt); ok {
		outer = outer.Parent()
	}
	if stmtList(outer.Parent().Node()) == nil {
		return nil
	}
	src := c.source(call.Pos())
	if src == nil {
		return nil
	}
	text := src.text(call)
	return []analysis.SuggestedFix{{
		Message: "Call " + text + " after the loop",
		TextEdits: []analysis.TextEdit{
			src.deleteStmt(stmt),
			src.insertAfter(outer.Node(), text),
		},
	}}
}
