package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

const catOwnerDropped = "cancel-owner-dropped"

// A starter is a function of the package that derives a context with
// context.WithCancel, keeps the cancel function only in a field of an
// owner (its receiver, or a struct it makes and returns) and starts a
// goroutine whose only way out is that context's Done channel: the
// goroutine ends when, and only when, something calls a method that
// reaches the stored cancel (Close, Rollback, Stop) or the parent context
// ends.
type starter struct {
	fn *ssa.Function
	// recv is set when the owner is fn's receiver; otherwise fn makes it
	// and returns it as result index result.
	recv   bool
	result int
	cancel *types.Var // the owner's field that holds the cancel function
	// parent is the index of fn's parameter the context is derived from,
	// -1 when fn derives it from context.Background or TODO itself.
	parent int
	waits  []ctxWait
	// own is the owner's type when the starter drops the owner itself.
	own types.Type
}

// ctxWait is a goroutine's receive from the derived context's Done
// channel that every path of the goroutine's function passes.
type ctxWait struct {
	recv ssa.Instruction // *ssa.UnOp or a one-case *ssa.Select
	pos  token.Pos
	what string // the receive as written: tx.ctx.Done()
	g    *ssa.Go
}

// lifetime finds starters and the calls that drop their owners.
type lifetime struct {
	pass *analysis.Pass
	res  *summary.Result
	sums map[paramKey]ownerSummary
	busy map[paramKey]bool
}

type paramKey struct {
	fn    *ssa.Function
	param int
	field *types.Var
}

// ownerSummary says what a function may do with the owner it is given as
// a parameter: call its cancel (through any of the package's functions),
// or hand it where the analysis cannot follow.
type ownerSummary struct {
	release, escape bool
}

// checkOwnerDropped reports goroutines that wait for a context whose
// cancel function only a method of an owner can call (Close, Stop,
// Rollback), when a caller drops the owner without calling it and the
// parent context never ends (context.Background): the goroutine blocks
// forever. The report is at the goroutine's receive (where it blocks),
// naming the caller that drops the owner and the methods that would
// release it.
func checkOwnerDropped(pass *analysis.Pass, res *summary.Result) {
	if res == nil || res.Pkg == nil {
		return
	}
	l := &lifetime{pass: pass, res: res, sums: map[paramKey]ownerSummary{}, busy: map[paramKey]bool{}}
	starters := map[*ssa.Function]*starter{}
	for _, fn := range res.SrcFuncs {
		if s := l.starterOf(fn); s != nil {
			starters[fn] = s
		}
	}
	if len(starters) == 0 {
		return
	}
	type drop struct {
		at   ssa.CallInstruction
		msg  string
		line int
	}
	drops := map[*starter][]drop{}
	for _, fn := range res.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok {
					continue
				}
				s := starters[call.Call.StaticCallee()]
				if s == nil {
					continue
				}
				if msg, ok := l.dropped(fn, call, s); ok {
					drops[s] = append(drops[s], drop{call, msg, pass.Fset.Position(call.Pos()).Line})
				}
			}
		}
	}
	var order []*starter
	for s := range drops {
		order = append(order, s)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].fn.Pos() < order[j].fn.Pos() })
	reported := map[token.Pos]bool{}
	for _, s := range order {
		ds := drops[s]
		sort.Slice(ds, func(i, j int) bool { return ds[i].at.Pos() < ds[j].at.Pos() })
		for _, w := range s.waits {
			if reported[w.pos] {
				continue
			}
			reported[w.pos] = true
			related := []analysis.RelatedInformation{{Pos: w.g.Pos(), Message: "goroutine started here"}}
			for _, d := range ds {
				related = append(related, analysis.RelatedInformation{Pos: d.at.Pos(), Message: "dropped here"})
			}
			who := "goroutine " + goName(pass, w.g.Pos(), s.fn.Name())
			if _, lit := w.g.Call.Value.(*ssa.MakeClosure); lit {
				who = fmt.Sprintf("the goroutine started at line %d", pass.Fset.Position(w.g.Pos()).Line)
			}
			msg := fmt.Sprintf("%s blocks forever on <-%s: %s", who, w.what, ds[0].msg)
			if len(ds) > 1 {
				more := "callers"
				if len(ds) == 2 {
					more = "caller"
				}
				msg += fmt.Sprintf(" (and %d more %s)", len(ds)-1, more)
			}
			pass.Report(analysis.Diagnostic{Pos: w.pos, Category: catOwnerDropped, Message: msg, Related: related})
		}
	}
}

// starterOf returns fn as a starter, or nil.
func (l *lifetime) starterOf(fn *ssa.Function) *starter {
	if fn.TypeParams().Len() > 0 || fn.Parent() != nil && fn.Parent().TypeParams().Len() > 0 || isGenericMethod(fn) {
		return nil // its owner's method set is not built
	}
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || !isContextFunc(call.Call.StaticCallee(), "WithCancel", "WithCancelCause") {
				continue
			}
			if s := l.starterAt(fn, call); s != nil {
				return s
			}
		}
	}
	return nil
}

func (l *lifetime) starterAt(fn *ssa.Function, wc *ssa.Call) *starter {
	s := &starter{fn: fn, parent: -1}
	switch p := wc.Call.Args[0].(type) {
	case *ssa.Parameter:
		s.parent = paramIndex(p)
		if s.parent < 0 || fn.Signature.Recv() != nil && s.parent == 0 {
			return nil
		}
	default:
		if !neverDone(p) {
			return nil
		}
	}
	var ctx, cancel ssa.Value
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
	if ctx == nil || cancel == nil {
		return nil
	}
	// The cancel function goes into one field of the owner, and nowhere
	// else: only what loads that field can cancel.
	store := onlyStore(cancel)
	if store == nil {
		return nil
	}
	fa, ok := store.Addr.(*ssa.FieldAddr)
	if !ok {
		return nil
	}
	s.cancel = fieldVar(fa)
	owner := ownerRoot(fa.X)
	switch o := owner.(type) {
	case *ssa.Parameter:
		if fn.Signature.Recv() == nil || paramIndex(o) != 0 {
			return nil
		}
		s.recv = true
	case *ssa.Alloc:
		s.result = -1
		for _, b := range fn.Blocks {
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
				for i, v := range ret.Results {
					if ownerRoot(v) == owner {
						s.result = i
					}
				}
			}
		}
		if s.result < 0 {
			return nil
		}
	default:
		return nil
	}
	if s.cancel == nil {
		return nil
	}
	// fn itself neither cancels nor hands the owner on, except to the
	// goroutines it starts (checked below) and, for a made owner, to its
	// caller.
	u := l.walkOwner(fn, []ssa.Value{owner}, s.cancel, nil, true, 0)
	if len(u.release) > 0 || len(u.escape) > 0 || u.returns && s.recv {
		return nil
	}
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if g, ok := instr.(*ssa.Go); ok {
				s.waits = append(s.waits, l.waitsOf(g, ctx, owner)...)
			}
		}
	}
	if len(s.waits) == 0 {
		return nil
	}
	return s
}

// waitsOf returns the receives from ctx.Done() that the goroutine started
// by g must pass before it can return, when nothing it does before them
// could release the owner or hand it on.
func (l *lifetime) waitsOf(g *ssa.Go, ctx, owner ssa.Value) []ctxWait {
	if g.Call.IsInvoke() {
		return nil
	}
	var gfn *ssa.Function
	var bindings []ssa.Value
	switch f := g.Call.Value.(type) {
	case *ssa.Function:
		gfn = f
	case *ssa.MakeClosure:
		gfn, _ = f.Fn.(*ssa.Function)
		bindings = f.Bindings
	}
	if gfn == nil || gfn.Pkg != l.res.Pkg || len(gfn.Blocks) == 0 || len(g.Call.Args) != len(gfn.Params) {
		return nil
	}
	// outer maps a value of the goroutine's function to the spawner's.
	outer := func(v ssa.Value) ssa.Value {
		switch v := v.(type) {
		case *ssa.Parameter:
			if i := paramIndex(v); i >= 0 {
				return g.Call.Args[i]
			}
		case *ssa.FreeVar:
			for i, fv := range gfn.FreeVars {
				if fv == v && i < len(bindings) {
					return bindings[i]
				}
			}
		}
		return nil
	}
	isCtx := func(x ssa.Value) bool {
		x = ownerRoot(x)
		if o := outer(x); o != nil {
			return valueOf(o) == ctx
		}
		// a field of the owner: tx.ctx
		if ld, ok := x.(*ssa.UnOp); ok && ld.Op == token.MUL {
			if fa, ok := ld.X.(*ssa.FieldAddr); ok {
				if o := outer(ownerRoot(fa.X)); o != nil && valueOf(o) == owner {
					return storedOnly(owner, fieldVar(fa), ctx)
				}
			}
		}
		return false
	}
	var waits []ctxWait
	blocks := map[*ssa.BasicBlock]bool{}
	for _, b := range gfn.Blocks {
		for _, instr := range b.Instrs {
			ctx, pos := doneRecv(instr)
			if ctx == nil || !isCtx(ctx) {
				continue
			}
			waits = append(waits, ctxWait{recv: instr, pos: pos, what: chanName(l.pass, pos), g: g})
			blocks[b] = true
		}
	}
	if len(waits) == 0 {
		return nil
	}
	// Every path to a return passes a wait, and what runs before the first
	// one only reads.
	seen := map[*ssa.BasicBlock]bool{}
	work := []*ssa.BasicBlock{gfn.Blocks[0]}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		for _, instr := range b.Instrs {
			if isWait(instr, waits) {
				break
			}
			if !readOnly(instr) {
				return nil
			}
		}
		if blocks[b] {
			continue
		}
		if _, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
			return nil
		}
		work = append(work, b.Succs...)
	}
	return waits
}

// doneRecv returns the context whose Done channel instr blocks receiving
// from (a receive, or a select with that receive as its one case) and the
// receive's position; a nil context otherwise.
func doneRecv(instr ssa.Instruction) (ssa.Value, token.Pos) {
	var ch ssa.Value
	pos := instr.Pos()
	switch in := instr.(type) {
	case *ssa.UnOp:
		if in.Op == token.ARROW {
			ch = in.X
		}
	case *ssa.Select:
		if in.Blocking && len(in.States) == 1 && in.States[0].Dir == types.RecvOnly {
			ch, pos = in.States[0].Chan, in.States[0].Pos
		}
	}
	done, ok := ch.(*ssa.Call)
	if !ok || !done.Call.IsInvoke() || done.Call.Method.Name() != "Done" || !isContextType(done.Call.Value.Type()) {
		return nil, token.NoPos
	}
	return done.Call.Value, pos
}

func isWait(instr ssa.Instruction, waits []ctxWait) bool {
	for _, w := range waits {
		if w.recv == instr {
			return true
		}
	}
	return false
}

// readOnly reports whether an instruction that runs before a goroutine's
// wait cannot release or hand on anything: loads, addresses, conversions,
// comparisons, branches and ctx.Done() itself.
func readOnly(instr ssa.Instruction) bool {
	switch in := instr.(type) {
	case *ssa.UnOp:
		return in.Op != token.ARROW
	case *ssa.FieldAddr, *ssa.Field, *ssa.ChangeType, *ssa.DebugRef, *ssa.Jump, *ssa.If, *ssa.Phi, *ssa.BinOp, *ssa.Extract, *ssa.Return:
		return true
	case *ssa.Call:
		return in.Call.IsInvoke() && in.Call.Method.Name() == "Done" && isContextType(in.Call.Value.Type())
	}
	return false
}

// storedOnly reports whether the field f of the owner (a struct the
// function makes or its receiver) is only ever stored ctx in the
// function that derives it.
func storedOnly(owner ssa.Value, f *types.Var, ctx ssa.Value) bool {
	n := 0
	for _, r := range *owner.Referrers() {
		fa, ok := r.(*ssa.FieldAddr)
		if !ok || fieldVar(fa) != f {
			continue
		}
		for _, rr := range *fa.Referrers() {
			if st, ok := rr.(*ssa.Store); ok && st.Addr == fa {
				if st.Val != ctx {
					return false
				}
				n++
			}
		}
	}
	return n == 1
}

// ownerUses is what a function does with an owner value.
type ownerUses struct {
	release  []ssa.Instruction // may call the cancel (directly or through a call)
	escape   []ssa.Instruction // hands it where the analysis cannot follow
	gos      []*ssa.Go         // starts a goroutine with it
	returns  bool
	nilTests map[*ssa.BinOp]bool // comparisons with nil
}

// walkOwner follows the owner values from seeds through fn. skip is an
// instruction not to count (the starter's call in the caller). In the
// starter (start set) the store of the cancel into the owner is allowed,
// and the goroutines it starts with the owner are collected; elsewhere a
// store into the cancel field and a goroutine given the owner hand its
// lifetime on.
func (l *lifetime) walkOwner(fn *ssa.Function, seeds []ssa.Value, cancel *types.Var, skip ssa.Instruction, start bool, depth int) ownerUses {
	u := ownerUses{nilTests: map[*ssa.BinOp]bool{}}
	seen := map[ssa.Value]bool{}
	work := append([]ssa.Value(nil), seeds...)
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		refs := v.Referrers()
		if refs == nil {
			continue
		}
		for _, r := range *refs {
			if r == skip {
				continue
			}
			switch r := r.(type) {
			case *ssa.DebugRef:
			case *ssa.ChangeType:
				work = append(work, r)
			case *ssa.Phi:
				work = append(work, r)
			case *ssa.BinOp:
				if r.Op != token.EQL && r.Op != token.NEQ {
					u.escape = append(u.escape, r)
				} else if isNilConst(r.X) || isNilConst(r.Y) {
					u.nilTests[r] = true
				}
			case *ssa.Store:
				alloc, ok := r.Addr.(*ssa.Alloc)
				if !ok || r.Val != v {
					u.escape = append(u.escape, r)
					continue
				}
				// A variable: its loads are the owner; a closure capturing it
				// is the goroutine the starter starts, or goes out of sight.
				for _, ar := range *alloc.Referrers() {
					switch ar := ar.(type) {
					case *ssa.UnOp:
						if ar.Op == token.MUL {
							work = append(work, ar)
						} else {
							u.escape = append(u.escape, ar)
						}
					case *ssa.Store, *ssa.DebugRef:
					case *ssa.MakeClosure:
						if g := goOf(ar); g != nil && start {
							u.gos = append(u.gos, g)
						} else {
							u.escape = append(u.escape, ar)
						}
					default:
						u.escape = append(u.escape, ar)
					}
				}
			case *ssa.FieldAddr:
				if fieldVar(r) != cancel {
					continue // another field: it does not lead to the cancel
				}
				for _, fr := range *r.Referrers() {
					switch fr := fr.(type) {
					case *ssa.UnOp:
						u.release = append(u.release, fr)
					case *ssa.Store:
						if !start || fr.Addr != r {
							u.escape = append(u.escape, fr)
						}
					case *ssa.DebugRef:
					default:
						u.escape = append(u.escape, fr)
					}
				}
			case *ssa.Return:
				u.returns = true
			case *ssa.Go:
				if start && r.Call.Value != v {
					u.gos = append(u.gos, r)
				} else {
					u.escape = append(u.escape, r)
				}
			case *ssa.Call, *ssa.Defer:
				rel, esc := l.callOwner(r.(ssa.CallInstruction).Common(), v, cancel, depth)
				if esc {
					u.escape = append(u.escape, r)
				} else if rel {
					u.release = append(u.release, r) // a defer releases on every later return
				}
			default:
				u.escape = append(u.escape, r) // copied, converted, sent, captured
			}
		}
	}
	return u
}

// goOf returns the go statement that starts the closure mc when that is
// all that is done with it.
func goOf(mc *ssa.MakeClosure) *ssa.Go {
	refs := *mc.Referrers()
	if len(refs) != 1 {
		return nil
	}
	if g, ok := refs[0].(*ssa.Go); ok && g.Call.Value == ssa.Value(mc) {
		return g
	}
	return nil
}

// callOwner says what a call that takes the owner v may do with it.
func (l *lifetime) callOwner(c *ssa.CallCommon, v ssa.Value, cancel *types.Var, depth int) (release, escape bool) {
	if c.IsInvoke() || c.Value == v {
		return false, true
	}
	callee, ok := c.Value.(*ssa.Function)
	if !ok || callee.Pkg != l.res.Pkg || len(callee.Blocks) == 0 || len(c.Args) != len(callee.Params) || depth >= 6 {
		return false, true
	}
	for i, a := range c.Args {
		if a != v {
			continue
		}
		s := l.summaryOf(callee, i, cancel, depth+1)
		release = release || s.release
		escape = escape || s.escape
	}
	return release, escape
}

func (l *lifetime) summaryOf(fn *ssa.Function, param int, cancel *types.Var, depth int) ownerSummary {
	k := paramKey{fn, param, cancel}
	if s, ok := l.sums[k]; ok {
		return s
	}
	if l.busy[k] {
		return ownerSummary{} // recursion: the cycle's other uses count
	}
	l.busy[k] = true
	defer delete(l.busy, k)
	u := l.walkOwner(fn, []ssa.Value{fn.Params[param]}, cancel, nil, false, depth)
	s := ownerSummary{
		release: len(u.release) > 0,
		escape:  len(u.escape) > 0 || u.returns || len(u.gos) > 0,
	}
	l.sums[k] = s
	return s
}

// dropped decides whether the call of a starter in fn drops the owner: the
// parent context never ends, the owner goes nowhere the analysis cannot
// follow, and some path from the call returns without calling anything
// that may reach the cancel. It returns the message's tail.
func (l *lifetime) dropped(fn *ssa.Function, call *ssa.Call, s *starter) (string, bool) {
	if s.parent >= 0 && (s.parent >= len(call.Call.Args) || !neverDone(call.Call.Args[s.parent])) {
		return "", false
	}
	var seeds []ssa.Value
	if s.recv {
		alloc, ok := ownerRoot(call.Call.Args[0]).(*ssa.Alloc)
		if !ok || alloc.Parent() != fn {
			return "", false
		}
		seeds = []ssa.Value{alloc}
	} else if call.Call.Signature().Results().Len() == 1 {
		seeds = []ssa.Value{call}
	} else {
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == s.result {
				seeds = append(seeds, ex)
			}
		}
		if len(seeds) == 0 {
			seeds = []ssa.Value{} // the owner is not even extracted
		}
	}
	u := l.walkOwner(fn, seeds, s.cancel, call, false, 0)
	if len(u.escape) > 0 || u.returns || len(u.gos) > 0 {
		return "", false
	}
	release := map[ssa.Instruction]bool{}
	for _, r := range u.release {
		release[r] = true
	}
	// A starter that may fail returns an error: only the paths on which
	// the caller saw it nil are known to have the goroutine running.
	var errs map[ssa.Value]bool
	if i := summary.ErrorResult(s.fn); i >= 0 {
		errs = map[ssa.Value]bool{}
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == i {
				errs[ex] = true
			}
		}
	}
	ret := unreleasedReturn(call, release, u.nilTests, errs)
	if ret == nil {
		return "", false
	}
	owner := "the " + types.TypeString(ownerType(s), types.RelativeTo(l.pass.Pkg))
	callText := goNameCall(l.pass, call.Pos(), s.fn.Name())
	line := l.pass.Fset.Position(call.Pos()).Line
	what := fmt.Sprintf("%s from %s (line %d)", owner, callText, line)
	if s.recv {
		what = fmt.Sprintf("%s after %s (line %d)", owner, callText, line)
	}
	msg := fmt.Sprintf("%s drops %s %s", fn.Name(), what, l.releasers(s))
	if len(release) > 0 {
		retPos := ret.Pos()
		if !retPos.IsValid() {
			retPos = fn.Syntax().End()
		}
		msg = fmt.Sprintf("%s returns at line %d with %s and no call %s", fn.Name(), l.pass.Fset.Position(retPos).Line, what, strings.TrimPrefix(l.releasers(s), "without calling "))
	}
	return msg, true
}

// unreleasedReturn returns a Return reachable from call on a path that
// passes no release, or nil. A branch on the owner being nil takes only
// its non-nil side. When errs is not nil (the starter returns an error),
// a branch on the error being nil takes only its nil side, and a return
// counts only after that branch (before it, the starter may have failed).
func unreleasedReturn(call ssa.Instruction, release map[ssa.Instruction]bool, nilTests map[*ssa.BinOp]bool, errs map[ssa.Value]bool) *ssa.Return {
	type state struct {
		b       *ssa.BasicBlock
		checked bool
	}
	// next returns the successors of b a path may take, and whether the
	// branch it takes says the starter succeeded.
	next := func(b *ssa.BasicBlock) ([]*ssa.BasicBlock, bool) {
		iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok {
			return b.Succs, false
		}
		cmp, ok := iff.Cond.(*ssa.BinOp)
		if !ok || cmp.Op != token.EQL && cmp.Op != token.NEQ {
			return b.Succs, false
		}
		isNil := map[token.Token][]*ssa.BasicBlock{token.EQL: b.Succs[:1], token.NEQ: b.Succs[1:]}[cmp.Op]
		notNil := map[token.Token][]*ssa.BasicBlock{token.EQL: b.Succs[1:], token.NEQ: b.Succs[:1]}[cmp.Op]
		switch {
		case nilTests[cmp]:
			return notNil, false
		case errs != nil && (errs[cmp.X] && isNilConst(cmp.Y) || errs[cmp.Y] && isNilConst(cmp.X)):
			return isNil, true
		}
		return b.Succs, false
	}
	found := func(b *ssa.BasicBlock, checked bool) *ssa.Return {
		if r, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && (checked || errs == nil) {
			return r
		}
		return nil
	}
	start := call.Block()
	after := false
	for _, in := range start.Instrs {
		if in == call {
			after = true
			continue
		}
		if after && release[in] {
			return nil
		}
	}
	if r := found(start, false); r != nil {
		return r
	}
	seen := map[state]bool{}
	var work []state
	push := func(b *ssa.BasicBlock, checked bool) {
		succs, ok := next(b)
		for _, s := range succs {
			work = append(work, state{s, checked || ok})
		}
	}
	push(start, false)
	for len(work) > 0 {
		st := work[0]
		work = work[1:]
		if seen[st] {
			continue
		}
		seen[st] = true
		freed := false
		for _, in := range st.b.Instrs {
			if release[in] {
				freed = true
				break
			}
		}
		if freed {
			continue
		}
		if r := found(st.b, st.checked); r != nil {
			return r
		}
		push(st.b, st.checked)
	}
	return nil
}

// releasers names the owner's methods that may call the cancel: the
// exported ones when there are some.
func (l *lifetime) releasers(s *starter) string {
	t := ownerType(s)
	ptr := types.NewPointer(t)
	if _, isPtr := t.(*types.Pointer); isPtr {
		ptr = t.(*types.Pointer)
	}
	ms := l.res.Pkg.Prog.MethodSets.MethodSet(ptr)
	var exported, all []string
	for i := 0; i < ms.Len(); i++ {
		fn := l.res.Pkg.Prog.MethodValue(ms.At(i))
		if fn == nil || fn.Pkg != l.res.Pkg || len(fn.Blocks) == 0 || len(fn.Params) == 0 {
			continue
		}
		if s.runs(fn) || !l.summaryOf(fn, 0, s.cancel, 1).release {
			continue
		}
		all = append(all, fn.Name())
		if ast.IsExported(fn.Name()) {
			exported = append(exported, fn.Name())
		}
	}
	names := exported
	if len(names) == 0 {
		names = all
	}
	if len(names) == 0 {
		return "while nothing calls its " + s.cancel.Name()
	}
	sort.Strings(names)
	return "without calling " + strings.Join(names, " or ") + ", which cancels the context it waits on"
}

// isGenericMethod reports whether fn is a method of a generic type.
func isGenericMethod(fn *ssa.Function) bool {
	recv := fn.Signature.Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.TypeParams().Len() > 0
}

// runs reports whether fn is the function of one of the goroutines that
// wait: it releases the owner only once the wait is over.
func (s *starter) runs(fn *ssa.Function) bool {
	for _, w := range s.waits {
		if w.recv.Parent() == fn {
			return true
		}
	}
	return false
}

// ownerType is the type of the owner: the starter's receiver or result.
func ownerType(s *starter) types.Type {
	if s.own != nil {
		return s.own
	}
	if s.recv {
		return s.fn.Params[0].Type()
	}
	return s.fn.Signature.Results().At(s.result).Type()
}

// ownerRoot looks through loads of a variable stored once (a parameter
// captured by a closure is kept in one) and conversions.
func ownerRoot(v ssa.Value) ssa.Value {
	for i := 0; i < 8; i++ {
		switch x := v.(type) {
		case *ssa.ChangeType:
			v = x.X
			continue
		case *ssa.UnOp:
			if x.Op != token.MUL {
				return v
			}
			alloc, ok := x.X.(*ssa.Alloc)
			if !ok {
				if fv, ok := x.X.(*ssa.FreeVar); ok {
					return fv
				}
				return v
			}
			if st := summary.SingleStore(alloc); st != nil {
				v = st.Val
				continue
			}
		}
		return v
	}
	return v
}

// valueOf is what a spawner's value holds: the value stored in a variable
// a closure captures, or the value itself.
func valueOf(v ssa.Value) ssa.Value {
	if alloc, ok := v.(*ssa.Alloc); ok {
		if st := summary.SingleStore(alloc); st != nil {
			return ownerRoot(st.Val)
		}
	}
	return ownerRoot(v)
}

func paramIndex(p *ssa.Parameter) int {
	for i, q := range p.Parent().Params {
		if q == p {
			return i
		}
	}
	return -1
}

func fieldVar(fa *ssa.FieldAddr) *types.Var {
	t := fa.X.Type().Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	if st, ok := t.(*types.Struct); ok && fa.Field < st.NumFields() {
		return st.Field(fa.Field)
	}
	return nil
}

func isNilConst(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	return ok && c.Value == nil
}

// neverDone reports whether a context value can never be cancelled:
// context.Background(), context.TODO(), or a value or deadline-free
// wrapper of one (WithValue, WithoutCancel).
func neverDone(v ssa.Value) bool {
	for i := 0; i < 8; i++ {
		call, ok := v.(*ssa.Call)
		if !ok {
			return false
		}
		fn := call.Call.StaticCallee()
		switch {
		case isContextFunc(fn, "Background", "TODO"):
			return true
		case isContextFunc(fn, "WithoutCancel"):
			return true
		case isContextFunc(fn, "WithValue"):
			v = call.Call.Args[0]
		default:
			return false
		}
	}
	return false
}

func isContextFunc(fn *ssa.Function, names ...string) bool {
	if fn == nil || fn.Pkg == nil || fn.Pkg.Pkg.Path() != "context" || fn.Signature.Recv() != nil {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

func isContextType(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// goNameCall is the source text of the function a call at pos (its
// opening parenthesis) calls (db.begin), or def.
func goNameCall(pass *analysis.Pass, pos token.Pos, def string) string {
	if c, ok := nodeAt(pass, pos, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		return ok && c.Lparen == pos
	}).(*ast.CallExpr); ok {
		return types.ExprString(c.Fun)
	}
	return def
}
