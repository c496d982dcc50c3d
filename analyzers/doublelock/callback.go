package doublelock

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/internal/analysisutil"
	"github.com/asyncbook/asyncbook/analyzers/internal/cfgpath"
	"github.com/asyncbook/asyncbook/analyzers/internal/lockfacts"
)

const catCallback = "callback-relock"

// A registration stores a function in a field of an owner: o.onEvict =
// o.recordEviction, o.SetCheckpointer(func(ctx) { o.Checkpoint() }).
type registration struct {
	fn    ast.Node    // the stored function: a literal, or a method's declaration
	owner cfgpath.Ref // the owner, in the registering function's terms
	// recv is the method's receiver for a method value: its locks are
	// the owner's. nil for a literal, whose locks name the owner itself.
	recv types.Object
	site ast.Expr // the stored value where it is written
}

// callbacks reports a function stored in a field of an owner that takes
// one of the owner's locks, when a function of the package calls the field
// with that lock of the same owner held: the callback waits for its
// caller's lock for ever. The owner is followed from the registration to
// the call: the callback is registered on o and locks o's mutex, and the
// call o.f() holds the same mutex of o, so it is one instance.
func callbacks(pass *analysis.Pass, res *lockfacts.Result, reported map[token.Pos]bool) {
	type fieldCall struct {
		f  *lockfacts.Func
		fc lockfacts.FieldCall
	}
	calls := map[*types.Var][]fieldCall{}
	byNode := map[ast.Node]*lockfacts.Func{}
	for _, f := range res.Funcs {
		byNode[f.Node] = f
		for _, fc := range f.FieldCalls {
			if len(fc.Held) > 0 {
				calls[fc.Field] = append(calls[fc.Field], fieldCall{f, fc})
			}
		}
	}
	if len(calls) == 0 {
		return
	}
	r := &resolver{pass: pass, res: res, byNode: byNode, callers: map[*types.Func][]callerSite{}}
	r.index()
	for _, f := range res.Funcs {
		if file := fileOf(pass, f.Node); file == nil || analysisutil.IsTestSupport(pass, file) {
			continue
		}
		ast.Inspect(f.Node, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok && n != f.Node {
				return false // analysed as a function of its own
			}
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != len(as.Rhs) {
				return true
			}
			for i, lhs := range as.Lhs {
				// o.hooks = Hooks{OnStop: func() { ... }}: each callback
				// of the literal is registered on o.hooks.
				if lit := compositeOf(as.Rhs[i]); lit != nil {
					owner, ok := cfgpath.RefOf(pass.TypesInfo, lhs)
					if !ok {
						continue
					}
					for _, elt := range lit.Elts {
						kv, ok := elt.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						key, _ := kv.Key.(*ast.Ident)
						field, _ := pass.TypesInfo.ObjectOf(key).(*types.Var)
						if key == nil || field == nil || len(calls[field]) == 0 {
							continue
						}
						for _, reg := range r.resolve(f, owner, kv.Value, 0) {
							for _, c := range calls[field] {
								checkCallback(pass, byNode, reg, c.f, c.fc, reported)
							}
						}
					}
					continue
				}
				sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
				if !ok {
					continue
				}
				x := pass.TypesInfo.Selections[sel]
				if x == nil || x.Kind() != types.FieldVal {
					continue
				}
				field, _ := x.Obj().(*types.Var)
				if len(calls[field]) == 0 {
					continue
				}
				owner, ok := cfgpath.RefOf(pass.TypesInfo, sel.X)
				if !ok {
					continue
				}
				for _, reg := range r.resolve(f, owner, as.Rhs[i], 0) {
					for _, c := range calls[field] {
						checkCallback(pass, byNode, reg, c.f, c.fc, reported)
					}
				}
			}
			return true
		})
	}
}

// compositeOf returns the struct literal e is (or whose address it is).
func compositeOf(e ast.Expr) *ast.CompositeLit {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, _ := e.(*ast.CompositeLit)
	return lit
}

// checkCallback reports reg when its function takes the lock the field
// call holds, of the same owner.
func checkCallback(pass *analysis.Pass, byNode map[ast.Node]*lockfacts.Func, reg registration, caller *lockfacts.Func, fc lockfacts.FieldCall, reported map[token.Pos]bool) {
	cb := byNode[reg.fn]
	if cb == nil || len(cb.EntryHeld) > 0 || reported[reg.site.Pos()] {
		return // a callback that releases its caller's lock first expects it held
	}
	base, ok := cfgpath.RefOf(pass.TypesInfo, fc.Owner)
	if !ok {
		return
	}
	async := asyncBefore(caller.Node, fc.Call.Pos())
	for _, h := range fc.Held {
		if !h.Status.MustHeld() || caller.TryLocked[h.Key] || (caller.HandedOff[h.Key] && async) ||
			h.Key.Ref.Root != base.Root {
			continue
		}
		// The lock may belong to a value around the owner (le.mu held,
		// le.cb.OnStop called): compare from that value.
		anc, up := base.Path, 0
		for !strings.HasPrefix(h.Key.Ref.Path, anc) {
			j := strings.LastIndex(anc, ".")
			if j < 0 {
				break
			}
			anc, up = anc[:j], up+1
		}
		if !strings.HasPrefix(h.Key.Ref.Path, anc) || up > 0 && reg.recv != nil {
			continue
		}
		regOwner := reg.owner.Path
		for k := 0; k < up; k++ {
			j := strings.LastIndex(regOwner, ".")
			if j < 0 {
				regOwner = "\x00" // the registration's owner has no such parent
				break
			}
			regOwner = regOwner[:j]
		}
		rel := h.Key.Ref.Path[len(anc):]
		for _, acq := range cb.Acquires {
			if !acq.HasKey || acq.Retake || cb.TryLocked[acq.Key] || len(acq.Held) > 0 {
				continue
			}
			var want cfgpath.Ref
			if reg.recv != nil {
				want = cfgpath.Ref{Root: reg.recv, Path: rel}
			} else {
				want = cfgpath.Ref{Root: reg.owner.Root, Path: regOwner + rel}
			}
			if acq.Key.Ref != want {
				continue
			}
			reported[reg.site.Pos()] = true
			reportCallback(pass, reg, caller, fc, acq, h)
			return
		}
	}
}

func reportCallback(pass *analysis.Pass, reg registration, caller *lockfacts.Func, fc lockfacts.FieldCall, acq lockfacts.Acquire, h lockfacts.HeldLock) {
	what := "this function"
	if _, ok := reg.site.(*ast.FuncLit); !ok {
		what = types.ExprString(reg.site)
	}
	verb := "locks"
	if acq.Key.Read {
		verb = "read-locks"
	}
	how := fmt.Sprintf("line %d", pass.Fset.Position(acq.Pos).Line)
	if acq.Via != nil {
		how = "through " + acq.Via.Name()
	}
	callerName := "a function literal"
	if caller.Obj != nil {
		callerName = caller.Obj.Name()
	}
	name := h.Status.Name
	if name == "" {
		name = acq.Name
	}
	cat, why := catCallback, "sync.Mutex is not reentrant: the callback waits for its caller for ever"
	switch {
	case h.Key.Read && acq.Key.Read:
		why = "if a writer calls Lock in between, the writer waits for the caller's read lock and the callback's RLock waits for the writer"
	case h.Key.Read:
		why = "a read lock cannot be upgraded: the callback's Lock waits for its caller's read lock"
	case acq.Key.Read:
		why = "the callback's RLock waits for its caller's write lock"
	}
	pass.Report(analysis.Diagnostic{
		Pos:      reg.site.Pos(),
		End:      reg.site.End(),
		Category: cat,
		Message: fmt.Sprintf("%s %s %s (%s), and %s calls it through %s.%s with %s held (line %d): %s",
			what, verb, name, how, callerName, types.ExprString(fc.Owner), fc.Field.Name(), name, pass.Fset.Position(fc.Call.Pos()).Line, why),
		Related: []analysis.RelatedInformation{{Pos: fc.Call.Pos(), Message: "called here with " + name + " held"}},
	})
}

type callerSite struct {
	f    *lockfacts.Func
	call *ast.CallExpr
}

type resolver struct {
	pass    *analysis.Pass
	res     *lockfacts.Result
	byNode  map[ast.Node]*lockfacts.Func
	callers map[*types.Func][]callerSite
}

// index records the static calls of the package's functions.
func (r *resolver) index() {
	for _, f := range r.res.Funcs {
		ast.Inspect(f.Node, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok && n != f.Node {
				return false
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if fn := typeutil.StaticCallee(r.pass.TypesInfo, call); fn != nil && fn.Pkg() == r.pass.Pkg {
					r.callers[fn] = append(r.callers[fn], callerSite{f, call})
				}
			}
			return true
		})
	}
}

// resolve returns the functions value may be, stored into a field of
// owner in function f: a literal, a method value of the owner, a local
// variable given one once, or a parameter of a setter, followed to the
// setter's callers (the owner then is the receiver they call it on); for
// append(o.hooks, fn), each function appended.
func (r *resolver) resolve(f *lockfacts.Func, owner cfgpath.Ref, value ast.Expr, depth int) []registration {
	if depth > 2 {
		return nil
	}
	info := r.pass.TypesInfo
	switch v := ast.Unparen(value).(type) {
	case *ast.FuncLit:
		return []registration{{fn: v, owner: owner, site: v}}
	case *ast.CallExpr:
		// o.hooks = append(o.hooks, fn): each appended function.
		id, ok := ast.Unparen(v.Fun).(*ast.Ident)
		if b, isB := info.Uses[id].(*types.Builtin); !ok || !isB || b.Name() != "append" || v.Ellipsis.IsValid() {
			return nil
		}
		var out []registration
		for _, a := range v.Args[1:] {
			out = append(out, r.resolve(f, owner, a, depth)...)
		}
		return out
	case *ast.SelectorExpr:
		x := info.Selections[v]
		if x == nil || x.Kind() != types.MethodVal {
			return nil
		}
		recvRef, ok := cfgpath.RefOf(info, v.X)
		if !ok || recvRef != owner {
			return nil // the method's locks are another value's
		}
		m, _ := x.Obj().(*types.Func)
		decl := r.decl(m)
		if decl == nil || decl.Recv == nil || len(decl.Recv.List) != 1 || len(decl.Recv.List[0].Names) != 1 {
			return nil
		}
		recv := info.Defs[decl.Recv.List[0].Names[0]]
		if recv == nil {
			return nil
		}
		return []registration{{fn: decl, owner: owner, recv: recv, site: v}}
	case *ast.Ident:
		obj, ok := info.Uses[v].(*types.Var)
		if !ok {
			return nil
		}
		if d, ok := f.Node.(*ast.FuncDecl); ok && f.Obj != nil {
			if out, ok := r.viaSetter(d, f.Obj, obj, owner, depth); ok {
				return out
			}
		}
		// A local given a function once: fn := func() {...}.
		var rhs ast.Expr
		n := 0
		ast.Inspect(f.Node, func(m ast.Node) bool {
			as, ok := m.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for i, lhs := range as.Lhs {
				if id, ok := ast.Unparen(lhs).(*ast.Ident); ok && info.ObjectOf(id) == obj {
					n++
					if len(as.Lhs) == len(as.Rhs) {
						rhs = as.Rhs[i]
					}
				}
			}
			return true
		})
		if n == 1 && rhs != nil {
			regs := r.resolve(f, owner, rhs, depth+1)
			for i := range regs {
				regs[i].site = v // where it is registered, by name
			}
			return regs
		}
	}
	return nil
}

// viaSetter follows a parameter stored into a field of the receiver
// (le.cp = cp in SetCheckpointer) to the arguments of the calls of the
// setter, on the receivers they are called on.
func (r *resolver) viaSetter(d *ast.FuncDecl, fn *types.Func, param *types.Var, owner cfgpath.Ref, depth int) ([]registration, bool) {
	sig := fn.Signature()
	idx := -1
	for i := 0; i < sig.Params().Len(); i++ {
		if sig.Params().At(i) == param {
			idx = i
		}
	}
	if idx < 0 {
		return nil, false
	}
	if sig.Recv() == nil || owner.Root != sig.Recv() {
		return nil, true // stored into another value than the receiver
	}
	var out []registration
	for _, c := range r.callers[fn] {
		sel, ok := ast.Unparen(c.call.Fun).(*ast.SelectorExpr)
		if !ok || idx >= len(c.call.Args) || c.call.Ellipsis.IsValid() {
			continue
		}
		o, ok := cfgpath.RefOf(r.pass.TypesInfo, sel.X)
		if !ok {
			continue
		}
		o.Path += owner.Path
		out = append(out, r.resolve(c.f, o, c.call.Args[idx], depth+1)...)
	}
	return out, true
}

func (r *resolver) decl(fn *types.Func) *ast.FuncDecl {
	for _, f := range r.res.Funcs {
		if f.Obj == fn {
			d, _ := f.Node.(*ast.FuncDecl)
			return d
		}
	}
	return nil
}

// asyncBefore reports whether fn, before pos, starts a goroutine or hands
// a function literal to a call (time.AfterFunc, a group's Go): a lock
// handed off to it may be released while the caller waits. A literal
// only deferred (defer func() { unlock() }()) runs after the call.
func asyncBefore(fn ast.Node, pos token.Pos) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if found || n == nil || n.Pos() >= pos {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			found = true
		case *ast.DeferStmt:
			return false
		case *ast.CallExpr:
			for _, arg := range n.Args {
				if _, ok := ast.Unparen(arg).(*ast.FuncLit); ok {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
