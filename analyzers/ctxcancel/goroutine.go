package ctxcancel

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// goChecker finds go func literals that never exit, leaving out the
// goroutines the process owns: those started by main, by init, or by code
// that runs at most once per process.
type goChecker struct {
	pass *analysis.Pass
	in   *inspector.Inspector
	cfgs *cfgpath.CFGs
	uses map[types.Object][]inspector.Cursor // uses of this package's functions, built on demand
}

func newGoChecker(pass *analysis.Pass, in *inspector.Inspector) *goChecker {
	cfgs, _ := pass.ResultOf[cfgpath.Analyzer].(*cfgpath.CFGs)
	return &goChecker{pass: pass, in: in, cfgs: cfgs}
}

// check reports the go statement at c when no path through its function
// literal leaves it: every path loops for ever (a for {} or a range over a
// ticker) without reaching a return or a call that ends the goroutine.
func (gc *goChecker) check(c inspector.Cursor, g *ast.GoStmt) {
	lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
	if !ok || lit.Body == nil || gc.cfgs == nil {
		return
	}
	graph := gc.cfgs.Func(lit)
	if graph == nil || len(graph.Blocks) == 0 {
		return
	}
	info := gc.pass.TypesInfo
	walk := cfgpath.Walk{Edge: func(b *cfg.Block, i int) bool {
		// Nothing closes a ticker's channel: its range never ends.
		rs, ok := b.Stmt.(*ast.RangeStmt)
		return !(b.Kind == cfg.KindRangeLoop && ok && i == 1 && isTickerChan(info, rs.X))
	}}
	reached := walk.From(graph.Blocks[0])
	for b := range reached {
		if cfgpath.Exits(b) {
			return
		}
	}
	loop, what := foreverLoop(info, lit.Body, reached)
	if loop == nil {
		return // it blocks for ever some other way (select {}): not a loop to report
	}
	if gc.inMain(c) || gc.startedOnce(c) {
		return
	}
	msg := fmt.Sprintf("goroutine never exits: its %s has no return, break, ctx.Done() or stop-channel case, so it outlives its caller and leaks", what)
	related := []analysis.RelatedInformation{{Pos: loop.Pos(), End: loop.Pos() + token.Pos(len("for")), Message: "loops forever"}}
	if stop := stopReceive(info, loop); stop != nil {
		name := exprText(gc.pass.Fset, stop)
		msg = fmt.Sprintf("goroutine never exits: its %s receives from %s but stays in the loop, so it outlives its caller and leaks", what, name)
		related = append(related, analysis.RelatedInformation{Pos: stop.Pos(), End: stop.End(), Message: "the loop goes on after this receive"})
	}
	gc.pass.Report(analysis.Diagnostic{
		Pos:      g.Pos(),
		End:      lit.Type.End(),
		Category: catGoroutine,
		Message:  msg,
		Related:  related,
	})
}

// stopReceive returns the channel of a receive from ctx.Done() or a stop
// channel inside loop (outside function literals), if there is one: a way
// out the loop does not take.
func stopReceive(info *types.Info, loop ast.Node) ast.Expr {
	var found ast.Expr
	ast.Inspect(loop, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && isExitChan(info, n.X) {
				found = n.X
			}
		}
		return found == nil
	})
	return found
}

// foreverLoop returns the outermost loop of body that the search reached
// and that only a jump can leave: a for without a condition, or a range
// over a ticker.
func foreverLoop(info *types.Info, body *ast.BlockStmt, reached map[*cfg.Block]*cfg.Block) (ast.Stmt, string) {
	live := make(map[ast.Stmt]bool)
	for b := range reached {
		if b.Kind == cfg.KindForBody || b.Kind == cfg.KindRangeBody {
			live[b.Stmt] = true
		}
	}
	var loop ast.Stmt
	var what string
	ast.Inspect(body, func(n ast.Node) bool {
		if loop != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt:
			if n.Cond == nil && live[n] {
				loop, what = n, "for {}"
			}
		case *ast.RangeStmt:
			if isTickerChan(info, n.X) && live[n] {
				loop, what = n, "range over a ticker"
			}
		}
		return loop == nil
	})
	return loop, what
}

// inMain reports whether c lies in func main of package main: a
// process-long goroutine started there is owned by the process.
func (gc *goChecker) inMain(c inspector.Cursor) bool {
	fn, ok := cfgpath.EnclosingFunc(c)
	if !ok {
		return false
	}
	fd, ok := fn.Node().(*ast.FuncDecl)
	return ok && gc.isMainOrInit(fd)
}

func (gc *goChecker) isMainOrInit(fd *ast.FuncDecl) bool {
	if fd.Recv != nil || fd.Name == nil {
		return false
	}
	return fd.Name.Name == "init" || (fd.Name.Name == "main" && gc.pass.Pkg.Name() == "main") || gc.isExample(fd)
}

// isExample reports whether fd is a testable example (func ExampleXxx() in
// a _test.go file): go test runs it once, as the program it illustrates,
// so a goroutine it starts for good belongs to that program, as in main.
func (gc *goChecker) isExample(fd *ast.FuncDecl) bool {
	name := fd.Name.Name
	if name != "Example" && !strings.HasPrefix(name, "Example") {
		return false
	}
	if fd.Type.Params.NumFields() != 0 || fd.Type.Results.NumFields() != 0 {
		return false
	}
	return strings.HasSuffix(gc.pass.Fset.File(fd.Pos()).Name(), "_test.go")
}

// startedOnce reports whether the go statement at c runs at most a fixed
// number of times in the life of the process, so the goroutine belongs to
// the process, not to a caller that could cancel it: its function is init,
// runs under a package-level sync.Once (Do, OnceFunc), is only called from
// such code, or the statement is guarded by a package-level flag that is
// tested unset and then set on every path to it ("if started { return };
// started = true", a CompareAndSwap).
func (gc *goChecker) startedOnce(c inspector.Cursor) bool {
	return gc.onceAt(c, make(map[ast.Node]bool))
}

// onceAt reports whether the node at c runs at most once per process.
func (gc *goChecker) onceAt(c inspector.Cursor, seen map[ast.Node]bool) bool {
	fn, ok := cfgpath.EnclosingFunc(c)
	if !ok {
		return true // a package-level initializer
	}
	if gc.flagGuarded(fn.Node(), c.Node()) {
		return true
	}
	if seen[fn.Node()] {
		return false
	}
	seen[fn.Node()] = true
	info := gc.pass.TypesInfo
	switch f := fn.Node().(type) {
	case *ast.FuncDecl:
		if gc.isMainOrInit(f) {
			return true
		}
		obj, ok := info.Defs[f.Name].(*types.Func)
		if !ok || f.Recv != nil || (obj.Exported() && gc.pass.Pkg.Name() != "main") {
			return false // a method, or callable from other packages
		}
		uses := gc.usesOf(obj)
		if len(uses) == 0 {
			return false
		}
		for _, u := range uses {
			if !gc.onceUse(u, seen) {
				return false
			}
		}
		return true
	case *ast.FuncLit:
		return gc.onceUse(fn, seen)
	}
	return false
}

// onceUse reports whether the function value at c (a function literal or a
// use of a function's name) runs at most once per process: it is called
// right there by code that runs once, or handed to a package-level
// sync.Once's Do or to sync.OnceFunc/OnceValue/OnceValues whose result is a
// package-level variable.
func (gc *goChecker) onceUse(c inspector.Cursor, seen map[ast.Node]bool) bool {
	info := gc.pass.TypesInfo
	parent := c.Parent()
	call, ok := parent.Node().(*ast.CallExpr)
	if !ok {
		return false
	}
	if ast.Unparen(call.Fun) == c.Node() {
		return gc.onceAt(parent, seen) // called directly
	}
	if len(call.Args) != 1 || call.Args[0] != c.Node() {
		return false
	}
	switch {
	case analysisutil.IsFunc(info, call, "(*sync.Once).Do"):
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		r, ok := cfgpath.RefOf(info, sel.X)
		return ok && r.PackageLevel()
	case analysisutil.IsFunc(info, call, "sync.OnceFunc", "sync.OnceValue", "sync.OnceValues"):
		return packageVarInit(info, parent)
	}
	return false
}

// packageVarInit reports whether the expression at c initialises or is
// assigned to a package-level variable.
func packageVarInit(info *types.Info, c inspector.Cursor) bool {
	switch p := c.Parent().Node().(type) {
	case *ast.ValueSpec:
		_, inFunc := cfgpath.EnclosingFunc(c)
		return !inFunc
	case *ast.AssignStmt:
		for i, r := range p.Rhs {
			if r == c.Node() && i < len(p.Lhs) {
				ref, ok := cfgpath.RefOf(info, p.Lhs[i])
				return ok && ref.PackageLevel()
			}
		}
	}
	return false
}

// usesOf returns the places this package names obj.
func (gc *goChecker) usesOf(obj types.Object) []inspector.Cursor {
	if gc.uses == nil {
		gc.uses = make(map[types.Object][]inspector.Cursor)
		for c := range gc.in.Root().Preorder((*ast.Ident)(nil)) {
			id := c.Node().(*ast.Ident)
			if fn, ok := gc.pass.TypesInfo.Uses[id].(*types.Func); ok && fn.Pkg() == gc.pass.Pkg {
				// The use is the identifier itself, or pkg.F's selector.
				if sel, ok := c.Parent().Node().(*ast.SelectorExpr); ok && sel.Sel == id {
					c = c.Parent()
				}
				gc.uses[fn] = append(gc.uses[fn], c)
			}
		}
	}
	return gc.uses[obj]
}

// flagGuarded reports whether, in function fn, every path from the entry
// to target tests a package-level flag unset and sets it: the code at
// target runs once per process.
func (gc *goChecker) flagGuarded(fn, target ast.Node) bool {
	graph, x := gc.cfgs.Index(fn)
	if graph == nil {
		return false
	}
	site, ok := x.Site(target)
	if !ok {
		return false
	}
	for _, flag := range gc.flags(graph) {
		if gc.guardedBy(x, site, flag) {
			return true
		}
	}
	return false
}

// flags returns the package-level flags tested in the conditions of g.
func (gc *goChecker) flags(g *cfg.CFG) []cfgpath.Ref {
	var out []cfgpath.Ref
	seen := make(map[cfgpath.Ref]bool)
	for _, b := range g.Blocks {
		cond, ok := cfgpath.Cond(b)
		if !ok {
			continue
		}
		for _, branch := range []bool{true, false} {
			facts := cfgpath.Implied(gc.pass.TypesInfo, cond, branch)
			if r, ok := gc.atomicEdge(cond, branch); ok {
				facts = append(facts, cfgpath.Fact{Ref: r, Value: cfgpath.Zero})
			}
			for _, f := range facts {
				if unset(f.Value) && f.Ref.PackageLevel() && !seen[f.Ref] {
					seen[f.Ref] = true
					out = append(out, f.Ref)
				}
			}
		}
	}
	return out
}

// guardedBy reports whether every path from the entry to site takes an
// edge that finds flag unset, and sets flag before site.
func (gc *goChecker) guardedBy(x *cfgpath.Index, site cfgpath.Site, flag cfgpath.Ref) bool {
	info := gc.pass.TypesInfo
	entry := x.G.Blocks[0]
	// An edge that finds the flag unset (the false edge of "if started",
	// the success edge of a CompareAndSwap or a Swap).
	testsUnset := func(b *cfg.Block, i int) bool {
		cond, ok := cfgpath.Cond(b)
		if !ok {
			return false
		}
		for _, f := range cfgpath.Implied(info, cond, i == 0) {
			if f.Ref == flag && unset(f.Value) {
				return true
			}
		}
		r, ok := gc.atomicEdge(cond, i == 0)
		return ok && r == flag
	}
	if _, ok := (cfgpath.Walk{Edge: func(b *cfg.Block, i int) bool { return !testsUnset(b, i) }}).From(entry)[site.Block]; ok {
		return false // a path reaches the go statement without testing the flag
	}
	setsBefore := func(b *cfg.Block, end int) bool {
		for _, n := range b.Nodes[:end] {
			if gc.setsFlag(n, flag) {
				return true
			}
		}
		return false
	}
	unset := cfgpath.Walk{
		Stop: func(b *cfg.Block) bool { return b != site.Block && setsBefore(b, len(b.Nodes)) },
		Edge: func(b *cfg.Block, i int) bool {
			cond, ok := cfgpath.Cond(b)
			if !ok {
				return true
			}
			r, ok := gc.atomicEdge(cond, i == 0)
			return !(ok && r == flag) // past a successful CompareAndSwap or Swap the flag is set
		},
	}
	if _, ok := unset.From(entry)[site.Block]; ok && !setsBefore(site.Block, site.At) {
		return false // a path reaches it with the flag still unset
	}
	return true
}

// setsFlag reports whether node n sets flag: flag = true (or a non-zero
// constant), flag.Store(true), atomic.StoreInt32(&flag, 1), a Swap, or a
// CompareAndSwap used as a statement.
func (gc *goChecker) setsFlag(n ast.Node, flag cfgpath.Ref) bool {
	info := gc.pass.TypesInfo
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if found {
			return false
		}
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			for i, l := range m.Lhs {
				r, ok := cfgpath.RefOf(info, l)
				if ok && r == flag && i < len(m.Rhs) && (nonZeroConst(info, m.Rhs[i]) || nonNil(info, m.Rhs[i])) {
					found = true
				}
			}
		case *ast.IncDecStmt:
			if r, ok := cfgpath.RefOf(info, m.X); ok && r == flag && m.Tok == token.INC {
				found = true
			}
		case *ast.CallExpr:
			if r, arg, ok := atomicOp(info, m, "Store", "Swap", "CompareAndSwap"); ok && r == flag && arg != nil && nonZeroConst(info, arg) {
				found = true
			}
		}
		return !found
	})
	return found
}

// atomicEdge recognises an edge of a branch on an atomic operation that
// finds flag unset and sets it: the edge where CompareAndSwap(unset, set)
// succeeded ("if !started.CompareAndSwap(false, true) { return }"), or
// where Swap(set) returned unset ("if atomic.SwapInt32(&started, 1) != 0").
func (gc *goChecker) atomicEdge(cond ast.Expr, branch bool) (cfgpath.Ref, bool) {
	info := gc.pass.TypesInfo
	e := ast.Unparen(cond)
	for {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.NOT {
			e, branch = ast.Unparen(u.X), !branch
			continue
		}
		break
	}
	// op(...) != zero or op(...) == zero: compare the result to unset.
	if be, ok := e.(*ast.BinaryExpr); ok && (be.Op == token.NEQ || be.Op == token.EQL) {
		tv, ok := info.Types[be.Y]
		if !ok || tv.Value == nil || nonZeroConst(info, be.Y) {
			return cfgpath.Ref{}, false
		}
		e = ast.Unparen(be.X)
		if be.Op == token.EQL {
			branch = !branch
		}
	}
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return cfgpath.Ref{}, false
	}
	if r, arg, ok := atomicOp(info, call, "CompareAndSwap"); ok && nonZeroConst(info, arg) && branch {
		return r, true
	}
	if r, arg, ok := atomicOp(info, call, "Swap"); ok && nonZeroConst(info, arg) && !branch {
		return r, true
	}
	return cfgpath.Ref{}, false
}

// atomicOp recognises a sync/atomic operation whose name starts with one of
// ops, as a method (v.Store(x)) or a function (atomic.StoreInt32(&v, x)),
// and returns the flag and the value it stores (the new value of a
// CompareAndSwap).
func atomicOp(info *types.Info, call *ast.CallExpr, ops ...string) (cfgpath.Ref, ast.Expr, bool) {
	fn := analysisutil.CalleeFunc(info, call)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "sync/atomic" {
		return cfgpath.Ref{}, nil, false
	}
	op := ""
	for _, o := range ops {
		if len(fn.Name()) >= len(o) && fn.Name()[:len(o)] == o {
			op = o
		}
	}
	if op == "" {
		return cfgpath.Ref{}, nil, false
	}
	args := call.Args
	var target ast.Expr
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && info.Selections[sel] != nil {
		target = sel.X // v.Store(x)
	} else if len(args) > 0 {
		target, args = args[0], args[1:] // atomic.StoreInt32(&v, x)
	}
	r, ok := cfgpath.RefOf(info, target)
	if !ok || len(args) == 0 {
		return cfgpath.Ref{}, nil, false
	}
	return r, args[len(args)-1], true
}

// unset reports whether a flag with value v has not been set: false, 0 or
// nil.
func unset(v cfgpath.Value) bool { return v == cfgpath.Zero || v == cfgpath.Nil }

// nonNil reports whether e is a value that is surely not nil: make(...),
// new(T), &T{...}, a composite literal or a function literal.
func nonNil(info *types.Info, e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.CompositeLit, *ast.FuncLit:
		return true
	case *ast.UnaryExpr:
		_, ok := ast.Unparen(x.X).(*ast.CompositeLit)
		return x.Op == token.AND && ok
	case *ast.CallExpr:
		return isBuiltin(info, x, "make") || isBuiltin(info, x, "new")
	}
	return false
}

// nonZeroConst reports whether e is a constant other than false and 0.
func nonZeroConst(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil {
		return false
	}
	return tv.Value.String() != "false" && tv.Value.String() != "0"
}
