package condsignal

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// signalled is one Cond a function signals: where, and whether always.
type signalled struct {
	cd       *cond
	recv     ast.Expr
	first    *ast.CallExpr        // a call that signals it, for related information
	blocks   map[*cfg.Block][]int // the nodes of each block that signal it
	deferred bool                 // a deferred Signal or Broadcast: every path
	r        cfgpath.Ref          // the Cond, as written in this function
	order    int                  // for a stable report order
}

// signals returns the Conds that a function signals, by ref: directly, in
// a defer, or through a call of a function of this package that signals
// them on every path.
func (c *checker) signals(fn ast.Node, x *cfgpath.Index) map[cfgpath.Ref]*signalled {
	out := make(map[cfgpath.Ref]*signalled)
	add := func(cd *cond, r cfgpath.Ref, recv ast.Expr, call *ast.CallExpr) *signalled {
		s := out[r]
		if s == nil {
			s = &signalled{cd: cd, recv: recv, first: call, blocks: map[*cfg.Block][]int{}, r: r, order: len(out)}
			out[r] = s
		}
		return s
	}
	_, body := cfgpath.FuncParts(fn)
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		deferred := false
		for _, s := range stack {
			if _, ok := s.(*ast.DeferStmt); ok {
				deferred = true
			}
		}
		if _, ok := n.(*ast.FuncLit); ok && !deferred {
			return false // runs at another time
		}
		if call, ok := n.(*ast.CallExpr); ok {
			for _, sig := range c.callSignals(call) {
				s := add(sig.cd, sig.r, sig.recv, call)
				if deferred {
					s.deferred = true
				} else if site, ok := x.Site(call); ok {
					s.blocks[site.Block] = append(s.blocks[site.Block], site.At)
				}
			}
		}
		stack = append(stack, n)
		return true
	})
	return out
}

// callSig is a Cond a call signals.
type callSig struct {
	cd   *cond
	r    cfgpath.Ref
	recv ast.Expr
}

// callSignals returns the Conds a call signals: c.Signal() and
// c.Broadcast() themselves, or a call of a function of this package that
// signals a Cond of its receiver or parameters on every path.
func (c *checker) callSignals(call *ast.CallExpr) []callSig {
	info := c.pass.TypesInfo
	if analysisutil.IsFunc(info, call, signalMethod, broadcastMethod) {
		if cd, r, recv, ok := c.condOf(call); ok {
			return []callSig{{cd, r, recv}}
		}
		return nil
	}
	fn := analysisutil.CalleeFunc(info, call)
	if fn == nil || c.decls[fn] == nil {
		return nil
	}
	var out []callSig
	for _, s := range c.alwaysSignals(fn) {
		// Map the callee's receiver or parameter to the caller's argument.
		var arg ast.Expr
		sig := fn.Signature()
		if recv := sig.Recv(); recv != nil && s.r.Root == recv {
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				arg = sel.X
			}
		}
		for i := 0; i < sig.Params().Len() && i < len(call.Args); i++ {
			if s.r.Root == sig.Params().At(i) {
				arg = call.Args[i]
			}
		}
		if arg == nil {
			continue
		}
		r, ok := cfgpath.RefOf(info, arg)
		if !ok {
			continue
		}
		r.Path += s.r.Path
		recv := &ast.SelectorExpr{X: arg, Sel: ast.NewIdent(strings.TrimPrefix(s.r.Path, "."))}
		if s.r.Path == "" {
			out = append(out, callSig{s.cd, r, arg})
			continue
		}
		out = append(out, callSig{s.cd, r, recv})
	}
	return out
}

// alwaysSignals returns the Conds of fn's receiver and parameters that fn
// signals on every path to a return.
func (c *checker) alwaysSignals(fn *types.Func) []callSig {
	if got, ok := c.signalsAlways[fn]; ok {
		return refsToSigs(c, got)
	}
	c.signalsAlways[fn] = nil // breaks cycles
	decl := c.decls[fn]
	g, x := c.graph(decl)
	if g == nil {
		return nil
	}
	params := make(map[types.Object]bool)
	if recv := fn.Signature().Recv(); recv != nil {
		params[recv] = true
	}
	for i := 0; i < fn.Signature().Params().Len(); i++ {
		params[fn.Signature().Params().At(i)] = true
	}
	var always []cfgpath.Ref
	for r, s := range c.signals(decl, x) {
		if !params[r.Root] {
			continue
		}
		if s.deferred || !c.skips(g, s) {
			always = append(always, r)
			c.condFor[r] = s.cd
		}
	}
	c.signalsAlways[fn] = always
	return refsToSigs(c, always)
}

func refsToSigs(c *checker, refs []cfgpath.Ref) []callSig {
	var out []callSig
	for _, r := range refs {
		out = append(out, callSig{cd: c.condFor[r], r: r})
	}
	return out
}

// skips reports whether a path from the entry reaches a return without
// passing a signal of s.
func (c *checker) skips(g *cfg.CFG, s *signalled) bool {
	walk := cfgpath.Walk{Stop: func(b *cfg.Block) bool { return len(s.blocks[b]) > 0 }}
	for b := range walk.From(g.Blocks[0]) {
		if len(s.blocks[b]) == 0 && b.Return() != nil {
			return true
		}
	}
	return false
}

// signalSkipped reports a return of a function that signals a Cond on
// other paths, reached by a path that skips the signal after changing what
// the waiters wait for: it writes a field of the value holding the Cond
// (the waiters' state), or it fails (returns an error from a call) after
// taking the Cond's lock, so the work the waiters wait for will not come.
// The Cond must have waiters in this package.
func (c *checker) signalSkipped(fnCur inspector.Cursor) {
	g, x := c.graph(fnCur.Node())
	if g == nil {
		return
	}
	sigs := c.signals(fnCur.Node(), x)
	var ordered []*signalled
	for _, s := range sigs {
		ordered = append(ordered, s)
	}
	for i := 1; i < len(ordered); i++ {
		for j := i; j > 0 && ordered[j].order < ordered[j-1].order; j-- {
			ordered[j], ordered[j-1] = ordered[j-1], ordered[j]
		}
	}
	for _, s := range ordered {
		if s.deferred || s.cd == nil || len(s.cd.waits) == 0 || len(s.blocks) == 0 {
			continue
		}
		c.checkSkip(fnCur, g, x, s)
	}
}

func (c *checker) checkSkip(fnCur inspector.Cursor, g *cfg.CFG, x *cfgpath.Index, s *signalled) {
	stop := func(b *cfg.Block) bool { return len(s.blocks[b]) > 0 }
	walk := cfgpath.Walk{
		Stop: stop,
		Edge: func(b *cfg.Block, i int) bool {
			// On a path where the Cond (or what holds it) is nil there
			// is nobody to wake: "if s.cond != nil { s.cond.Signal() }".
			cond, ok := cfgpath.Cond(b)
			if !ok {
				return true
			}
			for _, f := range cfgpath.Implied(c.pass.TypesInfo, cond, i == 0) {
				if f.Value == cfgpath.Nil && s.r.Within(f.Ref) {
					return false
				}
			}
			return true
		},
	}
	prev := walk.From(g.Blocks[0])
	// The contract: some path signals, and the function's normal end (its
	// last statement's return, or its closing brace) always does. A
	// function that signals only on some of its normal paths (only when
	// a waiter can be waiting: "if wasEmpty { c.Signal() }") has no
	// contract to skip.
	signalsSomewhere := false
	for b := range s.blocks {
		if _, ok := prev[b]; ok {
			signalsSomewhere = true
		}
	}
	if !signalsSomewhere {
		return
	}
	_, body := cfgpath.FuncParts(fnCur.Node())
	var rets []*cfg.Block
	for _, b := range g.Blocks {
		if _, ok := prev[b]; !ok || stop(b) || b.Return() == nil {
			continue
		}
		if final(body, b.Return()) {
			return // the normal end skips it too
		}
		rets = append(rets, b)
	}
	if len(rets) == 0 {
		return
	}
	// what reaches each return without a signal, from a site
	leadsTo := func(site cfgpath.Site, ret *cfg.Block) bool {
		if site.Block == ret {
			return true
		}
		_, ok := walk.From(walk.Succs(site.Block)...)[ret]
		return ok
	}
	name := types.ExprString(s.recv)
	wait := s.cd.waits[0]
	for _, ret := range rets {
		retStmt := ret.Return()
		if w, ok := c.stateWrite(x, prev, stop, s, ret, leadsTo); ok {
			c.pass.Report(analysis.Diagnostic{
				Pos:      retStmt.Pos(),
				End:      retStmt.End(),
				Category: catSkipped,
				Message: fmt.Sprintf("this return skips %s.%s after %s changes (line %d): goroutines in %s.Wait (line %d) are not woken",
					name, method(s.first), types.ExprString(w), c.line(w.Pos()), name, c.line(wait.Pos())),
				Related: []analysis.RelatedInformation{
					{Pos: w.Pos(), End: w.End(), Message: "the waiters' state changes here"},
					{Pos: s.first.Pos(), End: s.first.End(), Message: "other paths wake the waiters here"},
					{Pos: wait.Pos(), End: wait.End(), Message: "goroutines wait here"},
				},
			})
			return
		}
		if lock, ok := c.failsLocked(x, prev, stop, s, retStmt, ret, leadsTo); ok {
			c.pass.Report(analysis.Diagnostic{
				Pos:      retStmt.Pos(),
				End:      retStmt.End(),
				Category: catSkipped,
				Message: fmt.Sprintf("this error return skips %s.%s that the other paths call: goroutines in %s.Wait (line %d) are not woken, and wait for work that failed",
					name, method(s.first), name, c.line(wait.Pos())),
				Related: []analysis.RelatedInformation{
					{Pos: lock.Pos(), End: lock.End(), Message: "the Cond's lock is taken here"},
					{Pos: s.first.Pos(), End: s.first.End(), Message: "other paths wake the waiters here"},
					{Pos: wait.Pos(), End: wait.End(), Message: "goroutines wait here"},
				},
			})
			return
		}
	}
}

// method returns the name of the method a signalling call calls, or the
// helper's name.
func method(call *ast.CallExpr) string {
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		switch sel.Sel.Name {
		case "Signal", "Broadcast":
			return sel.Sel.Name
		}
	}
	return "Broadcast"
}

// stateWrite finds an assignment, on a path from the entry to ret that
// skips the signal, to a field of the value that holds the Cond (its
// waiters' state).
func (c *checker) stateWrite(x *cfgpath.Index, prev map[*cfg.Block]*cfg.Block, stop func(*cfg.Block) bool, s *signalled,
	ret *cfg.Block, leadsTo func(cfgpath.Site, *cfg.Block) bool) (ast.Expr, bool) {
	if s.r.Path == "" {
		return nil, false // a Cond in a variable: no value holds it
	}
	owner := s.r
	owner.Path = owner.Path[:strings.LastIndex(owner.Path, ".")]
	info := c.pass.TypesInfo
	watched, known := c.watched(s.cd)
	for _, b := range x.G.Blocks {
		if _, ok := prev[b]; !ok || stop(b) {
			continue
		}
		for i, n := range b.Nodes {
			var found ast.Expr
			for _, l := range cfgpath.Assigned(n, false) {
				r, ok := cfgpath.RefOf(info, l)
				if !ok || !r.Within(owner) || r == owner || r.Within(s.r) {
					continue
				}
				if !known || watched[lastObject(info, l)] {
					found = l // a field the waiters check (or, not knowing what they check, any)
					break
				}
			}
			if found != nil && leadsTo(cfgpath.Site{Block: b, At: i}, ret) {
				return found, true
			}
		}
	}
	return nil, false
}

// failsLocked reports whether ret returns an error held in a local
// variable (the failure of a call) on a path that has taken the Cond's
// lock, and returns that Lock call.
func (c *checker) failsLocked(x *cfgpath.Index, prev map[*cfg.Block]*cfg.Block, stop func(*cfg.Block) bool, s *signalled,
	retStmt *ast.ReturnStmt, ret *cfg.Block, leadsTo func(cfgpath.Site, *cfg.Block) bool) (*ast.CallExpr, bool) {
	info := c.pass.TypesInfo
	if len(retStmt.Results) == 0 || !returnsLocalError(info, retStmt.Results[len(retStmt.Results)-1]) {
		return nil, false
	}
	for _, b := range x.G.Blocks {
		if _, ok := prev[b]; !ok || stop(b) {
			continue
		}
		for i, n := range b.Nodes {
			var lock *ast.CallExpr
			ast.Inspect(n, func(m ast.Node) bool {
				if lock != nil {
					return false
				}
				if _, ok := m.(*ast.FuncLit); ok {
					return false
				}
				if call, ok := m.(*ast.CallExpr); ok && c.locksCond(call, s) {
					lock = call
				}
				return lock == nil
			})
			if lock != nil && leadsTo(cfgpath.Site{Block: b, At: i}, ret) {
				return lock, true
			}
		}
	}
	return nil, false
}

// locksCond reports whether call locks the Cond's Locker: c.L.Lock(), or
// Lock on the mutex it was made with.
func (c *checker) locksCond(call *ast.CallExpr, s *signalled) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Lock" {
		return false
	}
	if inner, ok := ast.Unparen(sel.X).(*ast.SelectorExpr); ok && inner.Sel.Name == "L" {
		if cd, _, _, ok := c.condOf(&ast.CallExpr{Fun: &ast.SelectorExpr{X: inner.X, Sel: ast.NewIdent("Wait")}}); ok && cd == s.cd {
			return true
		}
	}
	return s.cd.mu != nil && lastObject(c.pass.TypesInfo, sel.X) == s.cd.mu
}

// returnsLocalError reports whether e is, or wraps, an error held in a
// local variable: err, fmt.Errorf("...: %w", err).
func returnsLocalError(info *types.Info, e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || found {
			return !found
		}
		v, ok := info.Uses[id].(*types.Var)
		if ok && v.Kind() == types.LocalVar && types.Identical(v.Type(), types.Universe.Lookup("error").Type()) {
			found = true
		}
		return !found
	})
	return found
}

// final reports whether ret is the function's normal end: the implicit
// return at its closing brace, or a return that is its last statement.
func final(body *ast.BlockStmt, ret *ast.ReturnStmt) bool {
	if body == nil {
		return false
	}
	if ret.Pos() == body.Rbrace {
		return true
	}
	return len(body.List) > 0 && body.List[len(body.List)-1] == ast.Stmt(ret)
}
