package lockfacts

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
)

// flow runs the lock-state analysis of one function.
type flow struct {
	a      *analyzer
	f      *Func
	record bool // the final pass: record acquisitions, unlocks and exits
}

// analyse runs the forward analysis of a function's graph to a fixpoint,
// then records what happens on the way in one more pass.
func (a *analyzer) analyse(node ast.Node, obj *types.Func) *Func {
	g := a.cfgs.Func(node)
	if g == nil || len(g.Blocks) == 0 {
		return nil
	}
	f := &Func{
		Node:      node,
		Obj:       obj,
		Direct:    map[Key][]*ast.CallExpr{},
		Unlocks:   map[Key][]ast.Node{},
		EntryHeld: map[Key]bool{},
		HandedOff: map[Key]bool{},
		TryLocked: map[Key]bool{},

		Reassigned: map[types.Object]bool{},
	}
	fl := &flow{a: a, f: f}
	in := map[*cfg.Block]State{g.Blocks[0]: {}}
	work := []*cfg.Block{g.Blocks[0]}
	queued := map[*cfg.Block]bool{g.Blocks[0]: true}
	for len(work) > 0 {
		b := work[0]
		work = work[1:]
		queued[b] = false
		out := fl.block(b, in[b])
		for _, s := range b.Succs {
			old, seen := in[s]
			merged := out.copy()
			if seen {
				merged = join(old, out)
			}
			if !seen || !equal(old, merged) {
				in[s] = merged
				if !queued[s] {
					queued[s] = true
					work = append(work, s)
				}
			}
		}
	}
	fl.record = true
	for _, b := range g.Blocks {
		st, ok := in[b]
		if !ok || !b.Live {
			continue
		}
		out := fl.block(b, st)
		if ret := b.Return(); ret != nil {
			var refs []cfgpath.Ref
			for _, e := range ret.Results {
				if r, ok := cfgpath.RefOf(a.pass.TypesInfo, e); ok {
					refs = append(refs, r)
				}
			}
			f.Exits = append(f.Exits, Exit{Return: ret, State: out, Returned: refs})
		}
	}
	sort.SliceStable(f.Acquires, func(i, j int) bool { return f.Acquires[i].Pos < f.Acquires[j].Pos })
	sort.SliceStable(f.Exits, func(i, j int) bool { return f.Exits[i].Return.Pos() < f.Exits[j].Return.Pos() })
	return f
}

func join(x, y State) State {
	out := State{}
	for k := range x {
		out[k] = merge(get(x, k), get(y, k))
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			out[k] = merge(get(x, k), get(y, k))
		}
	}
	return out
}

func get(st State, k Key) Status {
	if s, ok := st[k]; ok {
		return s
	}
	return Status{Bits: NotHeld}
}

func merge(a, b Status) Status {
	s := Status{Bits: a.Bits | b.Bits, Site: a.Site, Name: a.Name}
	if s.Site == token.NoPos || b.Site != token.NoPos && b.Site < s.Site {
		s.Site = b.Site
	}
	if s.Name == "" {
		s.Name = b.Name
	}
	return s
}

func equal(x, y State) bool {
	if len(x) != len(y) {
		return false
	}
	for k, s := range x {
		if t, ok := y[k]; !ok || t != s {
			return false
		}
	}
	return true
}

func (st State) copy() State {
	out := make(State, len(st))
	for k, v := range st {
		out[k] = v
	}
	return out
}

func (fl *flow) info() *types.Info { return fl.a.pass.TypesInfo }

// block applies the nodes of b to the state on entry.
func (fl *flow) block(b *cfg.Block, entry State) State {
	st := entry.copy()
	if rs, ok := b.Stmt.(*ast.RangeStmt); ok && b.Kind == cfg.KindRangeBody {
		// Each iteration binds the range variables anew.
		for _, e := range []ast.Expr{rs.Key, rs.Value} {
			if e != nil {
				fl.kill(st, e)
			}
		}
	}
	for _, n := range b.Nodes {
		fl.node(n, st)
	}
	return st
}

func (fl *flow) node(n ast.Node, st State) {
	switch n := n.(type) {
	case *ast.DeferStmt:
		fl.deferred(n.Call, st)
	case *ast.GoStmt:
		fl.handoffs(n.Call)
	case *ast.AssignStmt:
		for _, e := range n.Rhs {
			fl.exprs(e, st)
		}
		for _, e := range n.Lhs {
			fl.kill(st, e)
		}
	case *ast.ValueSpec:
		for _, e := range n.Values {
			fl.exprs(e, st)
		}
		for _, id := range n.Names {
			fl.kill(st, id)
		}
	case *ast.Ident:
		fl.kill(st, n) // a range statement's key or value
	default:
		fl.exprs(n, st)
	}
}

// kill forgets the locks stored in what e assigns: after c = c.next,
// c.mu is another lock.
func (fl *flow) kill(st State, e ast.Expr) {
	r, ok := cfgpath.RefOf(fl.info(), e)
	if !ok {
		return
	}
	if r.Path == "" {
		fl.f.Reassigned[r.Root] = true
	}
	for k := range st {
		if k.Ref.Within(r) {
			delete(st, k)
		}
	}
}

// exprs applies the calls n evaluates, innermost first (function
// literals run at another time: only their hand-offs are noted).
func (fl *flow) exprs(n ast.Node, st State) {
	var visit func(m ast.Node) bool
	visit = func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			fl.handoff(m)
			return false
		case *ast.CallExpr:
			for _, arg := range m.Args {
				ast.Inspect(arg, visit)
			}
			if sel, ok := ast.Unparen(m.Fun).(*ast.SelectorExpr); ok {
				ast.Inspect(sel.X, visit)
			} else {
				ast.Inspect(m.Fun, visit)
			}
			fl.call(m, st)
			return false
		case *ast.SelectorExpr:
			fl.methodValue(m)
		}
		return true
	}
	ast.Inspect(n, visit)
}

// handoffs notes the literals of a go statement.
func (fl *flow) handoffs(call *ast.CallExpr) {
	// go c.resetTransportAndUnlock(): a declared function whose summary
	// releases a lock its caller holds hands the release to the goroutine.
	if fl.record {
		if callee := typeutil.StaticCallee(fl.info(), call); callee != nil {
			if sum := fl.a.summary(callee); sum != nil {
				for _, e := range sum.Effects {
					if e.Kind&Releases == 0 {
						continue
					}
					if k, _, ok := fl.mapEffect(call, callee, e); ok {
						fl.f.HandedOff[k] = true
					}
				}
			}
		}
	}
	ast.Inspect(call, func(m ast.Node) bool {
		if lit, ok := m.(*ast.FuncLit); ok {
			fl.handoff(lit)
			return false
		}
		return true
	})
}

// handoff notes the locks a literal releases without taking them: the
// function made it to release a lock it holds (a goroutine that unlocks
// when done, a returned unlock function).
func (fl *flow) handoff(lit *ast.FuncLit) {
	if !fl.record {
		return
	}
	locks, unlocks := map[Key]bool{}, map[Key]bool{}
	ast.Inspect(lit.Body, func(m ast.Node) bool {
		if call, ok := m.(*ast.CallExpr); ok {
			if op, r, read, _, ok := LockCall(fl.info(), call); ok {
				switch op {
				case opLock, opTryLock:
					locks[Key{r, read}] = true
				case opUnlock:
					unlocks[Key{r, read}] = true
				}
			}
		}
		return true
	})
	for k := range unlocks {
		if !locks[k] {
			fl.f.HandedOff[k] = true
		}
	}
}

// methodValue notes a method value that releases a lock (return
// tx.releaseConn, return mu.Unlock): the release is handed off.
func (fl *flow) methodValue(sel *ast.SelectorExpr) {
	if !fl.record {
		return
	}
	info := fl.info()
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok {
		return
	}
	call := &ast.CallExpr{Fun: sel}
	if op, r, read, _, ok := LockCall(info, call); ok {
		if op == opUnlock {
			fl.f.HandedOff[Key{r, read}] = true
		}
		return
	}
	if sum := fl.a.summary(fn); sum != nil {
		for _, e := range sum.Effects {
			if e.Kind&Releases == 0 {
				continue
			}
			if k, _, ok := fl.mapEffect(call, fn, e); ok {
				fl.f.HandedOff[k] = true
			}
		}
	}
}

// call applies one call: a mutex operation, or the summary of the callee.
func (fl *flow) call(call *ast.CallExpr, st State) {
	if op, r, read, name, ok := LockCall(fl.info(), call); ok {
		k := Key{r, read}
		switch op {
		case opLock:
			fl.lock(st, k, name, ClassOf(r), true, call.Pos(), call.End(), nil, "", false)
			if fl.record {
				fl.f.Direct[k] = append(fl.f.Direct[k], call)
			}
		case opUnlock:
			if s := get(st, k); fl.record && s.Bits == Deferred {
				fl.f.Reunlocks = append(fl.f.Reunlocks, Reunlock{Key: k, At: call, Name: s.Name})
			}
			fl.unlock(st, k, call)
		case opTryLock:
			fl.f.TryLocked[k] = true
		}
		return
	}
	callee := typeutil.StaticCallee(fl.info(), call)
	if callee == nil && fl.record {
		if sel := fl.fieldFunc(call.Fun); sel != nil {
			if v, ok := fl.info().Selections[sel].Obj().(*types.Var); ok {
				fl.f.FieldCalls = append(fl.f.FieldCalls, FieldCall{Field: v, Call: call, Owner: sel.X, Held: heldList(st)})
			}
		} else if i := fl.paramIndex(call.Fun); i >= 0 {
			fl.f.ParamCalls = append(fl.f.ParamCalls, ParamCall{Param: i, Call: call, Held: heldList(st)})
		}
	}
	if callee != nil && fl.record {
		for i, arg := range call.Args {
			if lit, ok := ast.Unparen(arg).(*ast.FuncLit); ok {
				fl.f.LitCalls = append(fl.f.LitCalls, LitCall{Call: call, Callee: callee, Arg: i, Lit: lit, Held: heldList(st)})
			}
		}
	}
	s := fl.a.summary(callee)
	if s == nil {
		return
	}
	for _, e := range s.Effects {
		k, name, hasKey := fl.mapEffect(call, callee, e)
		switch {
		case e.Kind&(Takes|Returns) != 0:
			fl.lock(st, k, name, e.Class, hasKey && e.Kind&Returns != 0, call.Pos(), call.End(), callee, e.Where, false)
		case e.Kind&Retakes != 0:
			fl.lock(st, k, name, e.Class, false, call.Pos(), call.End(), callee, e.Where, true)
		}
		if e.Kind&Releases != 0 && hasKey {
			fl.unlock(st, k, call)
		}
	}
}

// lock records an acquisition; when holds, the lock is held after it.
func (fl *flow) lock(st State, k Key, name, class string, holds bool, pos, end token.Pos, via *types.Func, where string, retake bool) {
	if fl.record {
		fl.f.Acquires = append(fl.f.Acquires, Acquire{
			Key: k, HasKey: k.Ref.Root != nil, Name: name, Class: class,
			Pos: pos, End: end, Via: via, Where: where, Retake: retake, Held: heldList(st),
		})
	}
	if k.Ref.Root == nil || !holds {
		return
	}
	s := get(st, k)
	var bits uint8
	if s.Bits&(NotHeld|Held) != 0 {
		bits |= Held
	}
	if s.Bits&(Deferred|Pending) != 0 {
		bits |= Deferred
	}
	site := s.Site
	if !s.MayHeld() || site == token.NoPos {
		site = pos
	}
	st[k] = Status{Bits: bits, Site: site, Name: name}
}

func (fl *flow) unlock(st State, k Key, at ast.Node) {
	s := get(st, k)
	if fl.record {
		fl.f.Unlocks[k] = append(fl.f.Unlocks[k], at)
		if s.Bits&NotHeld != 0 {
			fl.f.EntryHeld[k] = true
		}
	}
	var bits uint8
	if s.Bits&(NotHeld|Held) != 0 {
		bits |= NotHeld
	}
	if s.Bits&(Deferred|Pending) != 0 {
		bits |= Pending
	}
	if bits == NotHeld {
		delete(st, k)
		return
	}
	s.Bits = bits
	st[k] = s
}

// deferred applies a deferred call: an unlock it makes (directly, in a
// deferred literal, or through a callee that releases) happens at return.
func (fl *flow) deferred(call *ast.CallExpr, st State) {
	defer1 := func(k Key, at ast.Node) {
		s := get(st, k)
		if fl.record {
			fl.f.Unlocks[k] = append(fl.f.Unlocks[k], at)
		}
		var bits uint8
		if s.Bits&(Held|Deferred) != 0 {
			bits |= Deferred
		}
		if s.Bits&(NotHeld|Pending) != 0 {
			bits |= Pending
		}
		s.Bits = bits
		st[k] = s
	}
	if op, r, read, _, ok := LockCall(fl.info(), call); ok {
		if op == opUnlock {
			defer1(Key{r, read}, call)
		}
		return
	}
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		// An unlock after the literal's own lock of the same mutex
		// (defer func() { mu.Lock(); delete(m, id); mu.Unlock() }()) is
		// a critical section of its own, not a release of this one.
		locked := map[Key]bool{}
		ast.Inspect(lit.Body, func(m ast.Node) bool {
			if c, ok := m.(*ast.CallExpr); ok {
				if op, r, read, _, ok := LockCall(fl.info(), c); ok {
					switch k := (Key{r, read}); {
					case op == opLock:
						locked[k] = true
					case op == opUnlock && !locked[k]:
						defer1(k, c)
					}
				}
			}
			return true
		})
		return
	}
	callee := typeutil.StaticCallee(fl.info(), call)
	if s := fl.a.summary(callee); s != nil {
		for _, e := range s.Effects {
			if e.Kind&Releases == 0 {
				continue
			}
			if k, _, ok := fl.mapEffect(call, callee, e); ok {
				defer1(k, call)
			}
		}
	}
}

func heldList(st State) []HeldLock {
	var out []HeldLock
	for k, s := range st {
		if s.MayHeld() {
			out = append(out, HeldLock{Key: k, Status: s, Class: ClassOf(k.Ref)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Status.Site < out[j].Status.Site })
	return out
}

// mapEffect returns the caller's lock a callee's effect is about.
func (fl *flow) mapEffect(call *ast.CallExpr, callee *types.Func, e Effect) (Key, string, bool) {
	info := fl.info()
	var r cfgpath.Ref
	var name string
	switch {
	case e.Param == -1:
		i := strings.LastIndex(e.Global, ".")
		if callee.Pkg() == nil || i < 0 {
			return Key{}, "", false
		}
		v, ok := callee.Pkg().Scope().Lookup(e.Global[i+1:]).(*types.Var)
		if !ok {
			return Key{}, "", false
		}
		r, name = cfgpath.Ref{Root: v}, v.Name()
	case e.Param == 0:
		sig, _ := callee.Type().(*types.Signature)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if sig == nil || sig.Recv() == nil || !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.MethodVal {
			return Key{}, "", false
		}
		rr, n, ok := recvRef(info, call)
		if !ok {
			return Key{}, "", false
		}
		r, name = rr, n
	case e.Param > 0:
		sig, _ := callee.Type().(*types.Signature)
		i := e.Param - 1
		if sig == nil || i >= len(call.Args) || sig.Variadic() && i >= sig.Params().Len()-1 {
			return Key{}, "", false
		}
		rr, ok := cfgpath.RefOf(info, call.Args[i])
		if !ok {
			return Key{}, "", false
		}
		r, name = rr, types.ExprString(ast.Unparen(call.Args[i]))
		name = strings.TrimPrefix(name, "&")
	default:
		return Key{}, "", false
	}
	r.Path += e.Path
	return Key{Ref: r, Read: e.Read}, name + e.Path, true
}

// locate places a lock of f from its caller's side.
func (a *analyzer) locate(f *Func, k Key) (param int, global string, ok bool) {
	if k.Ref.PackageLevel() {
		return -1, qualified(k.Ref.Root), true
	}
	if f.Obj == nil || f.Reassigned[k.Ref.Root] {
		return 0, "", false
	}
	sig, _ := f.Obj.Type().(*types.Signature)
	if sig == nil {
		return 0, "", false
	}
	if sig.Recv() != nil && sig.Recv() == k.Ref.Root {
		return 0, "", true
	}
	for i := 0; i < sig.Params().Len(); i++ {
		if sig.Params().At(i) == k.Ref.Root {
			return i + 1, "", true
		}
	}
	return 0, "", false
}

// Where spells a position as file.go:line.
func (a *analyzer) where(pos token.Pos) string {
	p := a.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// summarise makes the fact of a function from its analysis.
func (a *analyzer) summarise(f *Func) *Summary {
	type id struct {
		param        int
		global, path string
		read         bool
		class        string
	}
	effects := map[id]*Effect{}
	var order []id
	add := func(k Key, class string, kind int, where string) {
		param, global, ok := a.locate(f, k)
		e := Effect{Param: param, Global: global, Path: k.Ref.Path, Read: k.Read, Class: class, Where: where}
		if !ok {
			if class == "" || kind&(Takes|Retakes) == 0 {
				return
			}
			e = Effect{Param: -2, Read: k.Read, Class: class, Where: where}
		}
		i := id{e.Param, e.Global, e.Path, e.Read, e.Class}
		if old, ok := effects[i]; ok {
			old.Kind |= kind
			return
		}
		e.Kind = kind
		effects[i] = &e
		order = append(order, i)
	}
	for _, acq := range f.Acquires {
		where := acq.Where
		if acq.Via == nil {
			where = a.where(acq.Pos)
		}
		kind := Takes
		if acq.Retake || acq.HasKey && (f.EntryHeld[acq.Key] || f.EntryHeld[Key{acq.Key.Ref, !acq.Key.Read}]) {
			// Released first and taken back (sync.Cond.Wait): the caller
			// still holds it after, but takes it anew meanwhile.
			kind = Retakes
		}
		if acq.HasKey {
			add(acq.Key, acq.Class, kind, where)
		} else if acq.Class != "" {
			add(Key{Read: acq.Key.Read}, acq.Class, kind, where)
		}
	}
	// Locks held at every exit, taken here: the function returns holding them.
	keys := map[Key]bool{}
	for _, x := range f.Exits {
		for k := range x.State {
			keys[k] = true
		}
	}
	for k := range keys {
		if f.EntryHeld[k] || f.TryLocked[k] || f.HandedOff[k] {
			continue // the caller held it, or a literal made here releases it
		}
		all := len(f.Exits) > 0
		for _, x := range f.Exits {
			if get(x.State, k).Bits != Held {
				all = false
				break
			}
		}
		if all {
			add(k, ClassOf(k.Ref), Takes|Returns, a.where(get(f.Exits[0].State, k).Site))
		}
	}
	// Locks released without being taken, and not held at any exit.
	for k := range f.EntryHeld {
		released := true
		for _, x := range f.Exits {
			if get(x.State, k).MayHeld() {
				released = false
				break
			}
		}
		if released {
			add(k, ClassOf(k.Ref), Releases, "")
		}
	}
	s := &Summary{}
	for _, i := range order {
		s.Effects = append(s.Effects, *effects[i])
	}
	sort.SliceStable(s.Effects, func(i, j int) bool {
		a, b := s.Effects[i], s.Effects[j]
		if a.Param != b.Param {
			return a.Param < b.Param
		}
		return a.Global+a.Path+a.Class < b.Global+b.Path+b.Class
	})
	return s
}

// fieldFunc returns the field selector a called function value comes from:
// le.cp itself, a local given it once (cp := le.cp; if cp != nil { cp() }),
// or an element of it ranged over (for _, h := range o.hooks { h() }).
func (fl *flow) fieldFunc(fun ast.Expr) *ast.SelectorExpr {
	info := fl.info()
	isField := func(e ast.Expr) *ast.SelectorExpr {
		sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		if x := info.Selections[sel]; x != nil && x.Kind() == types.FieldVal {
			return sel
		}
		return nil
	}
	if sel := isField(fun); sel != nil {
		return sel
	}
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := info.Uses[id].(*types.Var)
	if !ok {
		return nil
	}
	var from *ast.SelectorExpr
	n := 0
	ast.Inspect(fl.f.Node, func(m ast.Node) bool {
		// for _, h := range o.hooks { h() }: each element of the field.
		if rs, ok := m.(*ast.RangeStmt); ok {
			if l, ok := rs.Value.(*ast.Ident); ok && info.ObjectOf(l) == v {
				n++
				from = isField(rs.X)
			}
			return true
		}
		as, ok := m.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, lhs := range as.Lhs {
			if l, ok := ast.Unparen(lhs).(*ast.Ident); ok && info.ObjectOf(l) == v {
				n++
				if len(as.Lhs) == len(as.Rhs) {
					from = isField(as.Rhs[i])
				}
			}
		}
		return true
	})
	if n != 1 {
		return nil
	}
	return from
}

// paramIndex returns the index of the parameter of the analysed function
// that fun names, or -1.
func (fl *flow) paramIndex(fun ast.Expr) int {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok || fl.f.Obj == nil {
		return -1
	}
	v, ok := fl.info().Uses[id].(*types.Var)
	if !ok {
		return -1
	}
	params := fl.f.Obj.Signature().Params()
	for i := 0; i < params.Len(); i++ {
		if params.At(i) == v {
			return i
		}
	}
	return -1
}
