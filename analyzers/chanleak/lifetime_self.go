package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// The second shape of cancel-owner-dropped (Grpc862): the function that
// makes the owner drops it itself. It derives the owner's context from
// context.Background, keeps the cancel only in the owner's field, starts a
// goroutine given the owner, and then neither returns, stores nor hands the
// owner on, nor calls anything that reaches the cancel. The goroutine may
// wait in the package's functions it calls, on the owner's context or on a
// child's context derived from it (ac.ctx, ac.cancel =
// context.WithCancel(cc.ctx)) whose cancel only the owner's releasing
// methods reach (Close -> ac.tearDown -> ac.cancel()).
//
// What the waited contexts are is decided per field, over the whole
// package: the owner's context field is stored once, by the starter; a
// child's context field is only ever stored the Done-only context derived
// from one of those fields, with its cancel in a field of the same struct;
// the child's cancel field is loaded only in unexported functions whose
// callers, up to the top, are the owner's methods that call the owner's
// own cancel. Before the wait, the goroutine and what it calls only read,
// allocate, store into fields of what they hold or made, call outside
// functions given no owner, and call the cancel of a context they derived
// themselves: nothing hands the owner or a child where it could be closed.

// ctxFields are the contexts a dropped owner's goroutine may wait on, and
// the cancels that end them.
type ctxFields struct {
	ctx     map[*types.Var]bool // the owner's context field and the children's
	cancel  map[*types.Var]bool // the children's cancel fields
	release map[*ssa.Function]bool
}

type selfWait struct {
	at   ssa.Instruction // the goroutine's instruction it blocks in
	recv token.Pos       // the receive, perhaps in a callee
	what string          // the receive as written: ac.ctx.Done()
}

type selfWalker struct {
	pass *analysis.Pass
	res  *summary.Result
	f    *ctxFields
	busy map[*ssa.Function]bool
	memo map[*ssa.Function]selfResult
}

type selfResult struct {
	wait *selfWait // every path to a return passes it
	ok   bool      // nothing before the waits hands anything on or releases
}

func checkOwnerSelfDropped(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	l := &lifetime{pass: pass, res: res, sums: map[paramKey]ownerSummary{}, busy: map[paramKey]bool{}}
	stores := fieldStores(res.SrcFuncs)
	reported := map[token.Pos]bool{}
	for _, fn := range res.SrcFuncs {
		if fn.TypeParams().Len() > 0 || fn.Parent() != nil && fn.Parent().TypeParams().Len() > 0 || isGenericMethod(fn) {
			continue
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok || !isContextFunc(call.Call.StaticCallee(), "WithCancel", "WithCancelCause") || !neverDone(call.Call.Args[0]) {
					continue
				}
				l.selfDrop(fn, call, stores, reported)
			}
		}
	}
}

// fieldStores lists the stores into each struct field in the package.
func fieldStores(fns []*ssa.Function) map[*types.Var][]*ssa.Store {
	m := map[*types.Var][]*ssa.Store{}
	for _, fn := range fns {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if st, ok := instr.(*ssa.Store); ok {
					if fa, ok := st.Addr.(*ssa.FieldAddr); ok {
						if f := fieldVar(fa); f != nil {
							m[f] = append(m[f], st)
						}
					}
				}
			}
		}
	}
	return m
}

// derived returns the context and cancel values of a WithCancel call.
func derived(wc *ssa.Call) (ctx, cancel ssa.Value) {
	for _, r := range *wc.Referrers() {
		if ex, ok := r.(*ssa.Extract); ok {
			switch ex.Index {
			case 0:
				ctx = ex
			case 1:
				cancel = ex
			}
		}
	}
	return ctx, cancel
}

// onlyStore returns the one store of v (through a conversion to func()),
// when v goes nowhere else.
func onlyStore(v ssa.Value) *ssa.Store {
	var store *ssa.Store
	for v != nil {
		next := ssa.Value(nil)
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.DebugRef:
			case *ssa.ChangeType:
				if next != nil {
					return nil
				}
				next = r
			case *ssa.Store:
				if store != nil || r.Val != v {
					return nil
				}
				store = r
			default:
				return nil
			}
		}
		v = next
	}
	return store
}

func (l *lifetime) selfDrop(fn *ssa.Function, wc *ssa.Call, stores map[*types.Var][]*ssa.Store, reported map[token.Pos]bool) {
	ctx, cancel := derived(wc)
	if ctx == nil || cancel == nil {
		return
	}
	cst, xst := onlyStore(cancel), onlyStore(ctx)
	if cst == nil || xst == nil {
		return
	}
	cfa, ok1 := cst.Addr.(*ssa.FieldAddr)
	xfa, ok2 := xst.Addr.(*ssa.FieldAddr)
	if !ok1 || !ok2 {
		return
	}
	owner, ok := ownerRoot(cfa.X).(*ssa.Alloc)
	if !ok || ownerRoot(xfa.X) != ssa.Value(owner) || owner.Parent() != fn {
		return
	}
	cancelF, ctxF := fieldVar(cfa), fieldVar(xfa)
	if cancelF == nil || ctxF == nil || len(stores[ctxF]) != 1 || len(stores[cancelF]) != 1 {
		return // another function sets the owner's context: it may not be this one
	}
	u := l.walkOwner(fn, []ssa.Value{owner}, cancelF, nil, true, 0)
	if len(u.escape) > 0 || u.returns || len(u.gos) == 0 {
		return
	}
	release := map[ssa.Instruction]bool{}
	for _, r := range u.release {
		release[r] = true
	}
	f := l.childFields(ctxF, cancelF, stores)
	if f == nil {
		return
	}
	// The starter calls nothing given the owner that reaches a child's
	// cancel either.
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			c, ok := instr.(ssa.CallInstruction)
			callee := (*ssa.Function)(nil)
			if ok {
				callee = c.Common().StaticCallee()
			}
			if callee == nil || !f.release[callee] || l.releasesOwner(callee, cancelF) {
				continue // the owner's Close is a release on its paths
			}
			for _, a := range c.Common().Args {
				if valueOf(a) == ssa.Value(owner) {
					return
				}
			}
		}
	}
	w := &selfWalker{pass: l.pass, res: l.res, f: f, busy: map[*ssa.Function]bool{}, memo: map[*ssa.Function]selfResult{}}
	own := types.Type(owner.Type())
	if p, ok := own.(*types.Pointer); ok {
		own = p.Elem()
	}
	s := &starter{fn: fn, cancel: cancelF, own: own}
	for _, g := range u.gos {
		gfn := goFunc(g)
		if gfn == nil || gfn.Pkg != l.res.Pkg {
			continue
		}
		ret := unreleasedReturn(g, release, u.nilTests, nil)
		if ret == nil {
			continue // every path from the go statement calls Close
		}
		r := w.walk(gfn, 0)
		if !r.ok || r.wait == nil || reported[r.wait.at.Pos()] {
			continue
		}
		reported[r.wait.at.Pos()] = true
		who := "goroutine " + goName(l.pass, g.Pos(), gfn.Name())
		if _, lit := g.Call.Value.(*ssa.MakeClosure); lit {
			who = fmt.Sprintf("the goroutine started at line %d", l.pass.Fset.Position(g.Pos()).Line)
		}
		where := fmt.Sprintf("on <-%s", r.wait.what)
		pos := r.wait.recv
		if c, ok := r.wait.at.(*ssa.Call); ok {
			where = fmt.Sprintf("in %s (<-%s at line %d)", goNameCall(l.pass, c.Pos(), c.Call.StaticCallee().Name()), r.wait.what, l.pass.Fset.Position(r.wait.recv).Line)
			pos = c.Pos()
		}
		drop := fmt.Sprintf("%s drops %s %s", fn.Name(), ownerName(l.pass, owner), l.releasers(s))
		if len(release) > 0 {
			retPos := ret.Pos()
			if !retPos.IsValid() {
				retPos = fn.Syntax().End()
			}
			drop = fmt.Sprintf("%s drops %s at line %d %s", fn.Name(), ownerName(l.pass, owner), l.pass.Fset.Position(retPos).Line, l.releasers(s))
		}
		msg := fmt.Sprintf("%s blocks forever %s: %s", who, where, drop)
		l.pass.Report(analysis.Diagnostic{Pos: pos, Category: catOwnerDropped, Message: msg,
			Related: []analysis.RelatedInformation{{Pos: g.Pos(), Message: "goroutine started here"}, {Pos: wc.Pos(), Message: "context derived here"}}})
	}
}

// ownerName is the variable the owner is kept in (cc), or "the owner".
func ownerName(pass *analysis.Pass, owner *ssa.Alloc) string {
	if as, ok := nodeAt(pass, owner.Pos(), func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		return ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 && as.Rhs[0].Pos() <= owner.Pos() && owner.Pos() < as.Rhs[0].End()
	}).(*ast.AssignStmt); ok {
		if id, ok := as.Lhs[0].(*ast.Ident); ok {
			return id.Name
		}
	}
	for _, r := range *owner.Referrers() {
		switch r := r.(type) {
		case *ssa.DebugRef:
			if id, ok := r.Expr.(*ast.Ident); ok {
				return id.Name
			}
		case *ssa.Store:
			if a, ok := r.Addr.(*ssa.Alloc); ok && r.Val == ssa.Value(owner) && a.Comment != "" {
				return a.Comment
			}
		}
	}
	return "the owner"
}

func goFunc(g *ssa.Go) *ssa.Function {
	if g.Call.IsInvoke() {
		return nil
	}
	switch f := g.Call.Value.(type) {
	case *ssa.Function:
		return f
	case *ssa.MakeClosure:
		fn, _ := f.Fn.(*ssa.Function)
		return fn
	}
	return nil
}

// childFields collects the contexts derived from the owner's context field
// (and from those, two levels down) and checks that their cancels are
// reached only from the owner's releasing methods. It returns nil when a
// child's context or cancel is set or reached in another way.
func (l *lifetime) childFields(ctxF, cancelF *types.Var, stores map[*types.Var][]*ssa.Store) *ctxFields {
	f := &ctxFields{ctx: map[*types.Var]bool{ctxF: true}, cancel: map[*types.Var]bool{}, release: map[*ssa.Function]bool{}}
	for level := 0; level < 3; level++ {
		grown := false
		for field, sts := range stores {
			if f.ctx[field] || !isContextType(field.Type()) {
				continue
			}
			var childCancel *types.Var
			from, other := 0, false
			for _, st := range sts {
				ex, ok := st.Val.(*ssa.Extract)
				wc, ok2 := (*ssa.Call)(nil), false
				if ok && ex.Index == 0 {
					wc, ok2 = ex.Tuple.(*ssa.Call)
				}
				if !ok2 || !isContextFunc(wc.Call.StaticCallee(), "WithCancel", "WithCancelCause") || !isFieldLoad(wc.Call.Args[0], f.ctx) {
					other = true
					continue
				}
				from++
				_, cancel := derived(wc)
				cs := (*ssa.Store)(nil)
				if cancel != nil {
					cs = onlyStore(cancel)
				}
				cfa, ok := (*ssa.FieldAddr)(nil), false
				if cs != nil {
					cfa, ok = cs.Addr.(*ssa.FieldAddr)
				}
				if !ok || ownerRoot(cfa.X) != ownerRoot(st.Addr.(*ssa.FieldAddr).X) || childCancel != nil && fieldVar(cfa) != childCancel {
					other = true
					continue
				}
				childCancel = fieldVar(cfa)
			}
			if from == 0 {
				continue
			}
			if other || childCancel == nil || childCancel == cancelF || len(stores[childCancel]) != from {
				return nil // a child's context set another way
			}
			f.ctx[field] = true
			f.cancel[childCancel] = true
			grown = true
		}
		if !grown {
			break
		}
	}
	// Who loads a child's cancel, and who calls them, up to the owner's
	// methods that call the owner's cancel.
	callers := map[*ssa.Function][]*ssa.Function{}
	asValue := map[*ssa.Function]bool{}
	var loaders []*ssa.Function
	for _, fn := range l.res.SrcFuncs {
		loads := false
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if ld, ok := instr.(*ssa.UnOp); ok && ld.Op == token.MUL {
					if fa, ok := ld.X.(*ssa.FieldAddr); ok && f.cancel[fieldVar(fa)] {
						loads = true
					}
				}
				if c, ok := instr.(ssa.CallInstruction); ok {
					if callee := c.Common().StaticCallee(); callee != nil {
						callers[callee] = append(callers[callee], fn)
					}
				}
				var ops []*ssa.Value
				for i, op := range instr.Operands(ops) {
					if g, ok := (*op).(*ssa.Function); ok {
						if c, isCall := instr.(ssa.CallInstruction); isCall && i == 0 && c.Common().Value == ssa.Value(g) {
							continue
						}
						asValue[g] = true
					}
				}
			}
		}
		if loads {
			loaders = append(loaders, fn)
		}
	}
	work := append([]*ssa.Function(nil), loaders...)
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		if f.release[fn] {
			continue
		}
		f.release[fn] = true
		if l.releasesOwner(fn, cancelF) {
			continue // the owner's Close: its callers hold the owner
		}
		if fn.Parent() == nil && (ast.IsExported(fn.Name()) || asValue[fn]) || fn.Parent() != nil && asValue[fn] && !l.closureOf(fn) {
			return nil // callable from where the analysis cannot see
		}
		if fn.Parent() != nil {
			work = append(work, fn.Parent())
		}
		work = append(work, callers[fn]...)
	}
	return f
}

// closureOf reports whether the anonymous function fn is only made into a
// closure that its parent calls or defers.
func (l *lifetime) closureOf(fn *ssa.Function) bool {
	for _, b := range fn.Parent().Blocks {
		for _, instr := range b.Instrs {
			mc, ok := instr.(*ssa.MakeClosure)
			if !ok || mc.Fn != ssa.Value(fn) {
				continue
			}
			for _, r := range *mc.Referrers() {
				c, ok := r.(ssa.CallInstruction)
				if !ok || c.Common().Value != ssa.Value(mc) {
					return false
				}
				if _, isGo := r.(*ssa.Go); isGo {
					return false
				}
			}
		}
	}
	return true
}

// releasesOwner reports whether fn is a method of the owner's type that
// calls the owner's cancel.
func (l *lifetime) releasesOwner(fn *ssa.Function, cancelF *types.Var) bool {
	if fn.Signature.Recv() == nil || len(fn.Params) == 0 {
		return false
	}
	return l.summaryOf(fn, 0, cancelF, 1).release
}

func isFieldLoad(v ssa.Value, fields map[*types.Var]bool) bool {
	ld, ok := v.(*ssa.UnOp)
	if !ok || ld.Op != token.MUL {
		return false
	}
	fa, ok := ld.X.(*ssa.FieldAddr)
	return ok && fields[fieldVar(fa)]
}

// walk follows the paths of fn from its entry up to a wait on a context
// field (a receive, or a call of the package's function whose every path
// waits), checking what runs before.
func (w *selfWalker) walk(fn *ssa.Function, depth int) selfResult {
	if r, ok := w.memo[fn]; ok {
		return r
	}
	if w.busy[fn] || depth > 6 || len(fn.Blocks) == 0 {
		return selfResult{}
	}
	w.busy[fn] = true
	defer delete(w.busy, fn)
	r := selfResult{ok: true}
	returns := false
	seen := map[*ssa.BasicBlock]bool{}
	work := []*ssa.BasicBlock{fn.Blocks[0]}
	localCancels := map[ssa.Value]bool{}
next:
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		for _, instr := range b.Instrs {
			if recv, what := w.waitOn(instr); recv.IsValid() {
				if r.wait == nil {
					r.wait = &selfWait{at: instr, recv: recv, what: what}
				}
				continue next
			}
			switch in := instr.(type) {
			case *ssa.Call:
				callee := in.Call.StaticCallee()
				switch {
				case in.Call.IsInvoke():
					if in.Call.Method.Name() != "Done" && in.Call.Method.Name() != "Err" || !isContextType(in.Call.Value.Type()) {
						r.ok = false
					}
				case callee != nil && callee.Pkg == w.res.Pkg:
					if w.f.release[callee] {
						r.ok = false
						break
					}
					sub := w.walk(callee, depth+1)
					if !sub.ok {
						r.ok = false
					} else if sub.wait != nil {
						if r.wait == nil {
							r.wait = &selfWait{at: instr, recv: sub.wait.recv, what: sub.wait.what}
						}
						continue next
					}
				case callee != nil:
					if isContextFunc(callee, "WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause") {
						if _, cancel := derived(in); cancel != nil {
							localCancels[cancel] = true
						}
					}
					if !outsideCallOK(in.Call.Args, w.res.Pkg.Pkg) {
						r.ok = false
					}
				case localCancels[in.Call.Value]:
				default:
					if _, ok := in.Call.Value.(*ssa.Builtin); !ok {
						r.ok = false
					}
				}
			case *ssa.Store:
				fa, ok := in.Addr.(*ssa.FieldAddr)
				if !ok {
					addr := in.Addr
					if ia, ok := addr.(*ssa.IndexAddr); ok {
						addr = ia.X // an element of a local array (append's)
					}
					if _, local := addr.(*ssa.Alloc); !local {
						r.ok = false
					}
					break
				}
				switch root := ownerRoot(fa.X).(type) {
				case *ssa.Alloc:
				case *ssa.Parameter, *ssa.FreeVar:
					// an owner's or a child's field: mc.conns = append(mc.conns, ac)
					if !w.holdsCtx(root.Type()) {
						r.ok = false
					}
				default:
					r.ok = false
				}
			case *ssa.MakeInterface:
				if _, basic := in.X.Type().Underlying().(*types.Basic); !basic {
					r.ok = false
				}
			case *ssa.Select:
				for _, st := range in.States {
					if st.Dir != types.RecvOnly {
						r.ok = false
					}
				}
			case *ssa.UnOp, *ssa.FieldAddr, *ssa.Field, *ssa.ChangeType, *ssa.Convert, *ssa.DebugRef, *ssa.Jump, *ssa.If, *ssa.Phi, *ssa.BinOp,
				*ssa.Extract, *ssa.Alloc, *ssa.IndexAddr, *ssa.Index, *ssa.Slice, *ssa.Lookup, *ssa.MakeSlice, *ssa.MakeMap, *ssa.MakeChan, *ssa.Panic, *ssa.RunDefers:
			case *ssa.Return:
				returns = true
			default:
				r.ok = false // sends, goroutines, defers, map updates, closures
			}
			if !r.ok {
				w.memo[fn] = r
				return r
			}
		}
		work = append(work, b.Succs...)
	}
	if returns {
		r.wait = nil
	}
	w.memo[fn] = r
	return r
}

// holdsCtx reports whether t points to a struct with one of the context
// fields: the owner's type or a child's.
func (w *selfWalker) holdsCtx(t types.Type) bool {
	p, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	st, ok := p.Elem().Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if w.f.ctx[st.Field(i)] {
			return true
		}
	}
	return false
}

// waitOn returns the position and text of a receive from the Done channel
// of a context field in the set, or NoPos.
func (w *selfWalker) waitOn(instr ssa.Instruction) (token.Pos, string) {
	ctx, pos := doneRecv(instr)
	if ctx == nil || !isFieldLoad(ctx, w.f.ctx) {
		return token.NoPos, ""
	}
	return pos, chanName(w.pass, pos)
}

// outsideCallOK reports whether a call of another package's function is
// given nothing it could close an owner through: only basic values,
// contexts and values of other packages' types.
func outsideCallOK(args []ssa.Value, pkg *types.Package) bool {
	for _, a := range args {
		t := a.Type()
		if isContextType(t) {
			continue
		}
		switch u := t.Underlying().(type) {
		case *types.Basic:
			continue
		case *types.Interface:
			return false
		case *types.Pointer:
			t = u.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg() != pkg {
			continue
		}
		if _, ok := t.Underlying().(*types.Basic); ok {
			continue
		}
		return false
	}
	return true
}
