package chanleak

import (
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// joins returns the places where the spawner waits for goroutine g to
// have returned: receives (plain or in a select) from a channel the
// spawner made that g closes in a defer, or sends on or closes only right
// before it returns (go func() { defer close(done); ... }(), errc <- err;
// return). Past one, g is gone, and nothing it could block on matters.
func joins(pass *analysis.Pass, res *summary.Result, g *ssa.Go) uses {
	out := newUses()
	var body *ssa.Function
	var outer func(v ssa.Value) ssa.Value // g's view of a channel -> the spawner's
	switch v := g.Call.Value.(type) {
	case *ssa.MakeClosure:
		body, _ = v.Fn.(*ssa.Function)
		outer = func(x ssa.Value) ssa.Value {
			if fv, ok := x.(*ssa.FreeVar); ok && body != nil {
				for i, f := range body.FreeVars {
					if f == fv && i < len(v.Bindings) {
						return v.Bindings[i]
					}
				}
			}
			return nil
		}
	case *ssa.Function:
		body = v
		outer = func(x ssa.Value) ssa.Value {
			if p, ok := x.(*ssa.Parameter); ok && p.Parent() == body {
				if i := paramIndex(p); i >= 0 && i < len(g.Call.Args) {
					return g.Call.Args[i]
				}
			}
			return nil
		}
	}
	if body == nil || g.Call.IsInvoke() {
		return out
	}
	// The channels g signals its end on, and whether every use is such.
	last := map[ssa.Value]bool{}
	for _, b := range body.Blocks {
		for i, in := range b.Instrs {
			var x ssa.Value
			final := false
			switch in := in.(type) {
			case *ssa.Defer:
				if bi, ok := in.Call.Value.(*ssa.Builtin); ok && bi.Name() == "close" && len(in.Call.Args) == 1 {
					x, final = in.Call.Args[0], true
				}
			case *ssa.Send:
				x, final = in.Chan, endsAfter(b, i)
			case *ssa.Call:
				if bi, ok := in.Call.Value.(*ssa.Builtin); ok && bi.Name() == "close" && len(in.Call.Args) == 1 {
					x, final = in.Call.Args[0], endsAfter(b, i)
				}
			case *ssa.UnOp:
				if in.Op == token.ARROW {
					x = in.X // g also receives from it: not a signal of its end
				}
			case *ssa.Select:
				for _, st := range in.States {
					last[outer(unwrap(st.Chan))] = false
				}
			}
			if x == nil {
				continue
			}
			arg := outer(unwrap(x))
			if arg == nil {
				continue
			}
			if ok, seen := last[arg]; seen && !ok {
				continue
			}
			last[arg] = final
		}
	}
	if summary.OnCycle(g.Block()) {
		return out // one of several goroutines: its end is not theirs
	}
	for arg, ok := range last {
		if !ok || arg == nil {
			continue
		}
		_, _, field, mk, found := summary.Root(arg)
		if !found || mk == nil || field != "" || mk.Parent() != g.Parent() || sharedWithGoroutines(mk, g) {
			continue
		}
		u := walk(pass, res, []ssa.Value{mk}, complementOf(summary.Send), g)
		if u.escapes {
			continue // someone else may send or close too
		}
		merge(&out, u)
	}
	return out
}

// unwrap strips conversions and the load of a captured variable.
func unwrap(x ssa.Value) ssa.Value {
	for {
		switch v := x.(type) {
		case *ssa.ChangeType:
			x = v.X
		case *ssa.UnOp:
			if v.Op != token.MUL {
				return x
			}
			x = v.X
		default:
			return x
		}
	}
}

// endsAfter reports whether instruction i of b is followed only by
// instructions that cannot block on the way to a return.
func endsAfter(b *ssa.BasicBlock, i int) bool {
	for steps := 0; steps < 4; steps++ {
		for _, in := range b.Instrs[i+1:] {
			switch in.(type) {
			case *ssa.Return:
				return true
			case *ssa.Jump:
			case *ssa.DebugRef, *ssa.RunDefers, *ssa.Phi, *ssa.Store, *ssa.FieldAddr, *ssa.IndexAddr, *ssa.ChangeType, *ssa.MakeInterface:
			default:
				return false
			}
		}
		if len(b.Succs) != 1 {
			return false
		}
		b, i = b.Succs[0], -1
	}
	return false
}

// sharedWithGoroutines reports whether a goroutine other than g may use
// the channel mk: one that captures the variable holding it, or is given it.
func sharedWithGoroutines(mk *ssa.MakeChan, g *ssa.Go) bool {
	seen := map[ssa.Value]bool{}
	var visit func(v ssa.Value) bool
	visit = func(v ssa.Value) bool {
		if seen[v] || v.Referrers() == nil {
			return false
		}
		seen[v] = true
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.Store:
				if a, ok := r.Addr.(*ssa.Alloc); ok && r.Val == v && visit(a) {
					return true
				}
			case *ssa.UnOp, *ssa.ChangeType, *ssa.Phi:
				if visit(r.(ssa.Value)) {
					return true
				}
			case *ssa.MakeClosure:
				if gg, ok := g.Call.Value.(*ssa.MakeClosure); !ok || gg != r {
					for _, rr := range *r.Referrers() {
						if _, ok := rr.(*ssa.Go); ok {
							return true
						}
					}
				}
			case *ssa.Go:
				if r != g {
					return true
				}
			}
		}
		return false
	}
	return visit(mk)
}
