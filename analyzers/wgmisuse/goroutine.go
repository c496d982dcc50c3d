package wgmisuse

import (
	"fmt"
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// addInside reports wg.Add calls inside a goroutine's body on a WaitGroup
// the goroutine shares with its starter, when nothing guarantees that Wait
// has not already returned: the Add does not count a goroutine it is about
// to start, and the goroutine is not itself counted by that WaitGroup.
func (c *checker) addInside(b *body) {
	type site struct {
		call   *ast.CallExpr
		recv   ast.Expr
		r      cfgpath.Ref
		stmt   *ast.ExprStmt
		parent ast.Node
	}
	_, x := c.graph(b.fn)
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
		if c.local(b, r.Root) || len(stack) < 2 {
			return true
		}
		stmt, ok := stack[len(stack)-1].(*ast.ExprStmt)
		if !ok {
			return true // defer wg.Add(-1) and the like: not a count of new work
		}
		if x != nil && c.spawnsAfter(x, stmt) {
			return true // wg.Add(1); go child(): counts the child
		}
		sites = append(sites, site{call, recv, r, stmt, stack[len(stack)-2]})
		return true
	})

	for _, s := range sites {
		if c.countedBy(b, s.r) {
			continue // the goroutine holds a count of its own: Wait cannot have returned
		}
		if c.handshake(b, s.r) {
			continue // the starter hears from the goroutine, after its last Add, before it waits
		}
		wg := exprText(s.recv)
		if b.named != nil {
			c.pass.Report(analysis.Diagnostic{
				Pos:      b.start.Pos(),
				End:      b.start.End(),
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
			Message: fmt.Sprintf("%s.Add is called inside the goroutine: %s.Wait may return before it runs; call %s.Add before %s (line %d)",
				wg, wg, wg, b.what, c.line(b.start.Pos())),
			Related: []analysis.RelatedInformation{{Pos: b.start.Pos(), End: b.start.End(), Message: "goroutine started here"}},
		}
		if total == 1 && s.parent == b.block {
			d.SuggestedFixes = c.moveAddFix(b, s.call, s.recv, s.r, s.stmt)
		}
		c.pass.Report(d)
	}
}

// spawnsAfter reports whether a path from stmt reaches a go statement or a
// Go call of a WaitGroup or errgroup (outside function literals): an Add
// before it counts the goroutine it starts.
func (c *checker) spawnsAfter(x *cfgpath.Index, stmt ast.Stmt) bool {
	site, ok := x.Site(stmt)
	if !ok {
		return false
	}
	spawns := func(nodes []ast.Node) bool {
		for _, n := range nodes {
			found := false
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.FuncLit:
					return false
				case *ast.GoStmt:
					found = true
				case *ast.CallExpr:
					if _, _, ok := c.wgCall(m, goMethod, groupGo, groupTryGo); ok {
						found = true
					}
				}
				return !found
			})
			if found {
				return true
			}
		}
		return false
	}
	if spawns(site.Block.Nodes[site.At+1:]) {
		return true
	}
	for b := range (cfgpath.Walk{}).From(site.Block.Succs...) {
		if spawns(b.Nodes) {
			return true
		}
	}
	return false
}

// countedBy reports whether the goroutine b holds a count of r while it
// runs: it was started by r.Go, or it defers r.Done and its starter calls
// r.Add on the way to starting it. An Add on r inside it cannot then come
// after Wait has returned.
func (c *checker) countedBy(b *body, r cfgpath.Ref) bool {
	if b.counted != nil && *b.counted == r {
		return true
	}
	deferred := false
	inspectBody(b.block, func(n ast.Node, _ []ast.Node) bool {
		if d, ok := n.(*ast.DeferStmt); ok {
			if got, _, ok := c.wgCall(d.Call, doneMethod); ok && got == r {
				deferred = true
			}
		}
		return !deferred
	})
	return deferred && b.named == nil && len(c.countingAdds(b, r)) > 0
}

// countingAdds returns the sites of r.Add calls in the function that
// starts b from which a path reaches the start of b: the Adds that count
// it.
func (c *checker) countingAdds(b *body, r cfgpath.Ref) []cfgpath.Site {
	fn, ok := cfgpath.EnclosingFunc(b.startCur)
	if !ok {
		return nil
	}
	_, x := c.graph(fn.Node())
	if x == nil {
		return nil
	}
	start, ok := x.Site(b.start)
	if !ok {
		return nil
	}
	var out []cfgpath.Site
	for cur := range fn.Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if got, _, ok := c.wgCall(call, addMethod); !ok || got != r {
			continue
		}
		site, ok := x.Site(call)
		if !ok {
			continue // in a nested function literal, or dead code
		}
		reaches := site.Block == start.Block && site.At < start.At
		if !reaches {
			_, reaches = (cfgpath.Walk{}).From(site.Block.Succs...)[start.Block]
		}
		if reaches {
			out = append(out, site)
		}
	}
	return out
}

// moveAddFix moves a constant wg.Add from the top level of a function
// literal to just before the statement that starts it.
func (c *checker) moveAddFix(b *body, call *ast.CallExpr, recv ast.Expr, r cfgpath.Ref, stmt *ast.ExprStmt) []analysis.SuggestedFix {
	lit, ok := b.fn.(*ast.FuncLit)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	startStmt, ok := c.startStmt(b)
	if !ok {
		return nil
	}
	if c.declaredIn(r.Root, lit.Type) {
		return nil // the literal's own variable: not in scope at the go statement
	}
	if tv, ok := c.pass.TypesInfo.Types[call.Args[0]]; !ok || tv.Value == nil {
		return nil // the count depends on the goroutine's own values
	}
	src := c.source(call.Pos())
	if src == nil || c.source(startStmt.Pos()) != src {
		return nil
	}
	add := src.text(recv) + ".Add(" + src.text(call.Args[0]) + ")"
	return []analysis.SuggestedFix{{
		Message: "Move " + add + " before " + b.what,
		TextEdits: []analysis.TextEdit{
			src.insertStmt(startStmt.Pos(), add),
			src.deleteStmt(stmt),
		},
	}}
}

// startStmt returns the statement that starts b, when it stands in a
// statement list (so another statement can go before it).
func (c *checker) startStmt(b *body) (ast.Stmt, bool) {
	cur := b.startCur
	if _, isGo := b.start.(*ast.GoStmt); !isGo {
		cur = cur.Parent() // the ExprStmt around wg.Go(...)
		if _, ok := cur.Node().(*ast.ExprStmt); !ok {
			return nil, false
		}
	}
	if stmtList(cur.Parent().Node()) == nil {
		return nil, false
	}
	s, ok := cur.Node().(ast.Stmt)
	return s, ok
}

// doneUse is how one WaitGroup's Done appears in a goroutine body.
type doneUse struct {
	recv     ast.Expr
	calls    []*ast.CallExpr // the direct wg.Done() calls, in source order
	plain    []*ast.ExprStmt // their statements
	parents  []ast.Node      // the node holding each statement
	deferred bool            // defer wg.Done(), or inside a deferred func literal
	opaque   bool            // in a loop, a callback, a method value: not ours to judge
}

// doneUses classifies the Done calls of each WaitGroup in b's body. It
// returns nil when a Done cannot be attributed (a method value).
func (c *checker) doneUses(b *body) ([]cfgpath.Ref, map[cfgpath.Ref]*doneUse) {
	uses := make(map[cfgpath.Ref]*doneUse)
	var order []cfgpath.Ref
	use := func(r cfgpath.Ref, recv ast.Expr) *doneUse {
		u := uses[r]
		if u == nil {
			u = &doneUse{recv: recv}
			uses[r] = u
			order = append(order, r)
		}
		return u
	}
	confused := false
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
					if r, recv, ok := c.doneCall(call); ok {
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
			r, recv, ok := c.doneCall(n)
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
				if len(stack) < 2 || inLoop(stack) && !beforeReturn(parent, stack[len(stack)-2]) {
					u.opaque = true // counting items, not goroutines
					break
				}
				u.calls = append(u.calls, n)
				u.plain = append(u.plain, parent)
				u.parents = append(u.parents, stack[len(stack)-2])
			default:
				u.opaque = true
			}
			return false // its selector (or the helper's argument) is accounted for
		case *ast.SelectorExpr:
			if fn, ok := c.pass.TypesInfo.Uses[n.Sel].(*types.Func); ok && fn.FullName() == doneMethod {
				confused = true // wg.Done as a method value
			}
		}
		stack = append(stack, n)
		return true
	})
	if confused {
		return nil, nil
	}
	return order, uses
}

// beforeReturn reports whether stmt is directly followed by a return in
// its statement list (the block, or case clause, list): a Done in a loop
// that leaves the goroutine (wg.Done(); return) counts the goroutine, not
// an item.
func beforeReturn(stmt ast.Stmt, list ast.Node) bool {
	var stmts []ast.Stmt
	switch l := list.(type) {
	case *ast.BlockStmt:
		stmts = l.List
	case *ast.CaseClause:
		stmts = l.Body
	case *ast.CommClause:
		stmts = l.Body
	}
	for i, st := range stmts {
		if st == stmt && i+1 < len(stmts) {
			_, ok := stmts[i+1].(*ast.ReturnStmt)
			return ok
		}
	}
	return false
}

// doneNotReached reports a direct wg.Done when some path through the
// goroutine's control-flow graph reaches a return without passing it.
// Paths that end in a call that never returns are not such paths, nor are
// paths that contradict what held when the goroutine was counted: on a
// path where wg is nil there was no Add either ("if wg != nil { wg.Add(1) }"
// ... "if wg != nil { wg.Done() }"), and a guard the Add was under keeps
// its value in the goroutine.
func (c *checker) doneNotReached(b *body) {
	order, uses := c.doneUses(b)
	g, x := c.graph(b.fn)
	if g == nil {
		return
	}
	for _, r := range order {
		u := uses[r]
		if u.deferred || u.opaque || len(u.plain) == 0 || c.local(b, r.Root) {
			continue
		}
		last := u.calls[len(u.calls)-1]
		if c.seen[last.Pos()] {
			continue
		}
		path, ret := c.skippingPath(b, x, r, u)
		if ret == nil {
			continue
		}
		// Report at the last Done: the one the skipping path was meant to reach.
		c.seen[last.Pos()] = true
		wg := exprText(u.recv)
		done := wg + ".Done"
		var fixes []analysis.SuggestedFix
		if _, _, direct := c.wgCall(last, doneMethod); direct {
			fixes = c.deferDoneFix(b, u)
		} else {
			done = fmt.Sprintf("%s, which calls %s.Done,", exprText(last), wg)
		}
		var msg string
		var rel []analysis.RelatedInformation
		if ret.Pos() == b.block.Rbrace {
			msg = fmt.Sprintf("%s is not deferred and a path to the end of the goroutine (line %d) skips it: %s.Wait then blocks forever",
				done, c.line(ret.Pos()), wg)
			rel = append(rel, analysis.RelatedInformation{Pos: b.block.Rbrace, End: b.block.Rbrace + 1, Message: "reaches the end without " + wg + ".Done"})
		} else {
			msg = fmt.Sprintf("%s is not deferred and the return at line %d skips it: %s.Wait then blocks forever",
				done, c.line(ret.Pos()), wg)
			rel = append(rel, analysis.RelatedInformation{Pos: ret.Pos(), End: ret.End(), Message: "returns without " + wg + ".Done"})
		}
		if br, ok := lastBranch(path); ok {
			rel = append(rel, br)
		}
		if w := c.waitOf(b, r); w != nil {
			rel = append(rel, analysis.RelatedInformation{Pos: w.Pos(), End: w.End(), Message: wg + ".Wait blocks here"})
		}
		c.pass.Report(analysis.Diagnostic{
			Pos:            last.Pos(),
			End:            last.End(),
			Category:       catDone,
			Message:        msg,
			Related:        rel,
			SuggestedFixes: fixes,
		})
	}
}

// skippingPath returns a path from the goroutine's entry to a return that
// passes no Done of r, and that return, or nil.
func (c *checker) skippingPath(b *body, x *cfgpath.Index, r cfgpath.Ref, u *doneUse) ([]*cfg.Block, *ast.ReturnStmt) {
	done := make(map[*cfg.Block]bool)
	for _, call := range u.calls {
		if s, ok := x.Site(call); ok {
			done[s.Block] = true
		}
	}
	// What the goroutine itself assigns no longer says what it said then.
	held := cfgpath.Survivors(c.pass.TypesInfo, c.countedFacts(b, r), []ast.Node{b.block})
	walk := cfgpath.Walk{
		Stop: func(blk *cfg.Block) bool { return done[blk] },
		Edge: func(blk *cfg.Block, i int) bool {
			cond, ok := cfgpath.Cond(blk)
			if !ok {
				return true
			}
			for _, f := range cfgpath.Implied(c.pass.TypesInfo, cond, i == 0) {
				for _, h := range held {
					if f.Ref == h.Ref && f.Value.Contradicts(h.Value) {
						return false // the guard kept the value it had when the goroutine was counted
					}
				}
			}
			return true
		},
	}
	prev := walk.From(x.G.Blocks[0])
	for _, blk := range x.G.Blocks { // in block order, for a stable report
		if _, ok := prev[blk]; !ok || done[blk] {
			continue
		}
		if ret := blk.Return(); ret != nil {
			return cfgpath.Path(prev, blk), ret
		}
	}
	return nil, nil
}

// waitOf returns the first r.Wait call of the function that starts a
// goroutine literal, if there is one: the other end of its Done.
func (c *checker) waitOf(b *body, r cfgpath.Ref) *ast.CallExpr {
	if b.named != nil {
		return nil
	}
	fn, ok := cfgpath.EnclosingFunc(b.startCur)
	if !ok {
		return nil
	}
	for cur := range fn.Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if got, _, ok := c.wgCall(call, waitMethod); ok && got == r {
			return call
		}
	}
	return nil
}

// countedFacts returns what held of the goroutine's values when it was
// counted: r and every ref holding it were not nil (Add was called on r),
// and, for a function literal, the facts that held at every Add of r that
// reaches its start (the guards the Add was under).
func (c *checker) countedFacts(b *body, r cfgpath.Ref) []cfgpath.Fact {
	held := []cfgpath.Fact{{Ref: r, Value: cfgpath.NonNil}}
	for p := r; p.Path != ""; {
		i := len(p.Path) - 1
		for i > 0 && p.Path[i] != '.' {
			i--
		}
		p.Path = p.Path[:i]
		held = append(held, cfgpath.Fact{Ref: p, Value: cfgpath.NonNil})
	}
	if b.named != nil {
		return held
	}
	fn, ok := cfgpath.EnclosingFunc(b.startCur)
	if !ok {
		return held
	}
	_, x := c.graph(fn.Node())
	var common map[cfgpath.Fact]bool
	for _, site := range c.countingAdds(b, r) {
		at := make(map[cfgpath.Fact]bool)
		for _, f := range cfgpath.FactsAt(c.pass.TypesInfo, x, site) {
			if common == nil || common[f] {
				at[f] = true
			}
		}
		common = at
	}
	for f := range common {
		held = append(held, f)
	}
	return held
}

// lastBranch returns the last condition the path decides, as related
// information: where it turns towards the skipping return.
func lastBranch(path []*cfg.Block) (analysis.RelatedInformation, bool) {
	for i := len(path) - 2; i >= 0; i-- {
		cond, ok := cfgpath.Cond(path[i])
		if !ok {
			continue
		}
		which := "true"
		if path[i].Succs[1] == path[i+1] && path[i].Succs[0] != path[i+1] {
			which = "false"
		}
		return analysis.RelatedInformation{Pos: cond.Pos(), End: cond.End(), Message: "the path where " + exprText(cond) + " is " + which}, true
	}
	return analysis.RelatedInformation{}, false
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
// waits for its own Done. The goroutine is counted by the WaitGroup whose
// Go started it, or by a WaitGroup whose Done it defers.
func (c *checker) waitInside(b *body) {
	type count struct {
		pos  ast.Node
		what string
	}
	counts := make(map[cfgpath.Ref]count)
	if b.counted != nil {
		counts[*b.counted] = count{b.start, fmt.Sprintf("started by %s at line %d", b.what, c.line(b.start.Pos()))}
	} else {
		inspectBody(b.block, func(n ast.Node, _ []ast.Node) bool {
			if d, ok := n.(*ast.DeferStmt); ok {
				if r, _, ok := c.wgCall(d.Call, doneMethod); ok && !c.local(b, r.Root) {
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

// doneCall reports call if it is wg.Done(), or a call of a function of the
// package that calls Done on a *sync.WaitGroup parameter on every path
// (done(&wg)); it returns the WaitGroup's reference and expression.
func (c *checker) doneCall(call *ast.CallExpr) (cfgpath.Ref, ast.Expr, bool) {
	if r, recv, ok := c.wgCall(call, doneMethod); ok {
		return r, recv, ok
	}
	fn := typeutil.StaticCallee(c.pass.TypesInfo, call)
	if fn == nil {
		return cfgpath.Ref{}, nil, false
	}
	i := c.alwaysDone(fn)
	if i < 0 || i >= len(call.Args) {
		return cfgpath.Ref{}, nil, false
	}
	arg := ast.Unparen(call.Args[i])
	if u, ok := arg.(*ast.UnaryExpr); ok {
		arg = u.X // &wg
	}
	r, ok := cfgpath.RefOf(c.pass.TypesInfo, arg)
	return r, arg, ok
}

// alwaysDone returns the index of fn's *sync.WaitGroup parameter that fn
// calls Done on before any statement that could return (or defers it), or
// -1. Only functions declared in the package, not methods, are followed.
func (c *checker) alwaysDone(fn *types.Func) int {
	d := c.decls[fn]
	if d == nil || d.Body == nil || d.Recv != nil {
		return -1
	}
	i := 0
	for _, field := range d.Type.Params.List {
		names := field.Names
		if len(names) == 0 {
			i++
			continue
		}
		for _, name := range names {
			if obj := c.pass.TypesInfo.Defs[name]; obj != nil && isWaitGroupPtr(obj.Type()) && c.donesFirst(d.Body, obj) {
				return i
			}
			i++
		}
	}
	return -1
}

// donesFirst reports whether body calls p.Done() (or defers it) in a
// statement of its own list before any statement that may return, branch
// away or panic.
func (c *checker) donesFirst(body *ast.BlockStmt, p types.Object) bool {
	for _, st := range body.List {
		var call *ast.CallExpr
		switch st := st.(type) {
		case *ast.ExprStmt:
			call, _ = st.X.(*ast.CallExpr)
		case *ast.DeferStmt:
			call = st.Call
		}
		if r, _, ok := c.wgCall(call, doneMethod); ok && r.Root == p && r.Path == "" {
			return true
		}
		leaves := false
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt, *ast.BranchStmt:
				leaves = true
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "panic" {
					leaves = true
				}
			}
			return !leaves
		})
		if leaves {
			return false
		}
	}
	return false
}

func isWaitGroupPtr(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	return ok && analysisutil.IsNamedType(p.Elem(), "sync", "WaitGroup")
}
