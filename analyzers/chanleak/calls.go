package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncbook/asyncbook/analyzers/summary"
)

// via is an operation a goroutine literal does on the channel through a
// call to a function of the package (go func() { produce(ctx, ch) }()):
// the callee's summary says what it does with the parameter.
type via struct {
	callee *types.Func
	op     summary.Op // the callee's operation; Pos is in the callee
	// repeats is set when the callee may do the operation more than once
	// per call (it lies on a cycle of the callee's graph).
	repeats bool
}

// callSites records what the call at callCur, inside a goroutine literal,
// does with the channel passed as its argIndex-th argument, per the
// callee's summary. It reports false (the channel escapes) unless the
// callee is a function of the package whose parameter only ever meets
// channel operations and calls to such functions.
func (c *checker) callSites(ch *channel, callCur inspector.Cursor, argIndex int, alias *goroutine) bool {
	call, ok := callCur.Node().(*ast.CallExpr)
	if !ok || c.res == nil || c.res.Pkg == nil || call.Ellipsis.IsValid() {
		return false
	}
	if k := callCur.ParentEdgeKind(); k == edge.GoStmt_Call || k == edge.DeferStmt_Call {
		return false
	}
	if g, ok := c.executor(ch, callCur); !ok || g == nil {
		return false
	}
	fn := typeutil.StaticCallee(c.info, call)
	if fn == nil || fn.Pkg() != c.pass.Pkg {
		return false
	}
	fn = fn.Origin()
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Variadic() && argIndex >= sig.Params().Len()-1 {
		return false
	}
	idx := argIndex
	if sig.Recv() != nil {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		if s := c.info.Selections[sel]; s == nil || s.Kind() == types.MethodVal {
			idx++ // SSA puts the receiver first
		}
	}
	sfn, sum := c.res.Of(fn)
	if sum == nil || idx >= len(sfn.Params) {
		return false
	}
	repeats := map[token.Pos]bool{}
	w := &paramWalker{pkg: c.res.Pkg, done: map[ssa.Value]bool{}, busy: map[ssa.Value]bool{}}
	if _, ok := w.walk(sfn.Params[idx], 0, func(pos token.Pos, rep bool) { repeats[pos] = repeats[pos] || rep }); !ok {
		return false
	}
	var ops []summary.Op
	for _, o := range sum.Ops {
		if o.Param != idx || o.Field != "" {
			continue
		}
		if o.InGo {
			return false
		}
		ops = append(ops, o)
	}
	stmt := callCur
	if callCur.ParentEdgeKind() == edge.ExprStmt_X {
		stmt = callCur.Parent()
	}
	for _, o := range ops {
		s := c.site(ch, stmt, alias)
		s.via = &via{callee: fn, op: o, repeats: repeats[o.Pos]}
		switch o.Kind {
		case summary.Send:
			ch.sends = append(ch.sends, s)
		case summary.Recv, summary.Range:
			ch.recvs = append(ch.recvs, s)
		case summary.Close:
			ch.closes = append(ch.closes, s)
		}
	}
	return true
}

// paramWalker follows a channel parameter through its function and the
// package's functions it is passed to.
type paramWalker struct {
	pkg  *ssa.Package
	done map[ssa.Value]bool // followed: whether an operation may repeat
	busy map[ssa.Value]bool
}

// walk reports whether every use of the channel value v is a channel
// operation, a comparison, a conversion or a call passing it to a function
// of the package that does the same (nothing stores, returns, captures or
// hands it to a goroutine), and whether one of those operations may repeat
// (lies on a cycle). It calls mark, when not nil, for each operation or
// call of v's function.
func (w *paramWalker) walk(v ssa.Value, depth int, mark func(pos token.Pos, rep bool)) (rep, ok bool) {
	if r, seen := w.done[v]; seen {
		return r, true
	}
	if w.busy[v] {
		return false, true // recursion: its other calls are followed
	}
	w.busy[v] = true
	defer delete(w.busy, v)
	refs := v.Referrers()
	if refs == nil {
		return false, false
	}
	note := func(pos token.Pos, r bool) {
		rep = rep || r
		if mark != nil {
			mark(pos, r)
		}
	}
	for _, r := range *refs {
		loop := summary.OnCycle(r.Block())
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.Send:
			if r.X == v {
				return false, false
			}
			note(r.Pos(), loop)
		case *ssa.UnOp:
			if r.Op != token.ARROW {
				return false, false
			}
			note(r.Pos(), loop)
		case *ssa.BinOp:
			if r.Op != token.EQL && r.Op != token.NEQ {
				return false, false
			}
		case *ssa.ChangeType:
			cr, ok := w.walk(r, depth, mark)
			if !ok {
				return false, false
			}
			rep = rep || cr
		case *ssa.Select:
			for _, st := range r.States {
				if st.Send == v {
					return false, false
				}
				if st.Chan == v {
					note(st.Pos, loop)
				}
			}
		case *ssa.Call, *ssa.Defer:
			cr, ok := w.call(r.(ssa.CallInstruction).Common(), v, depth)
			if !ok {
				return false, false
			}
			note(r.Pos(), loop || cr)
		default:
			return false, false
		}
	}
	w.done[v] = rep
	return rep, true
}

// call follows v into a call: close, len and cap, or a function of the
// package. rep reports whether the callee may operate on it repeatedly.
func (w *paramWalker) call(cc *ssa.CallCommon, v ssa.Value, depth int) (rep, ok bool) {
	if cc.IsInvoke() || cc.Value == v {
		return false, false
	}
	switch f := cc.Value.(type) {
	case *ssa.Builtin:
		switch f.Name() {
		case "close", "len", "cap":
			return false, true
		}
	case *ssa.Function:
		if f.Pkg != w.pkg || len(f.Blocks) == 0 || depth >= 4 || len(cc.Args) != len(f.Params) {
			return false, false
		}
		for i, a := range cc.Args {
			if a != v {
				continue
			}
			r, ok := w.walk(f.Params[i], depth+1, nil)
			if !ok {
				return false, false
			}
			rep = rep || r
		}
		return rep, true
	}
	return false, false
}

// calleeCount returns how many values the callee of a site sends when its
// send is a statement of the callee itself inside one counted loop.
func (c *checker) calleeCount(s *site) count {
	cur, ok := c.ins.Root().FindByPos(s.via.op.Pos, s.via.op.Pos)
	if !ok || !s.via.op.Pos.IsValid() {
		return count{}
	}
	if send, ok := cur.Node().(*ast.SendStmt); !ok || send.Arrow != s.via.op.Pos {
		return count{}
	}
	loops := loopsAround(cur, inspector.Cursor{}, token.NoPos)
	if len(loops) != 1 || !c.unconditional(&site{cur: cur}, loops[0]) {
		return count{}
	}
	return c.loopCount(loops[0].Node())
}

// through says which call a site reaches the channel through:
// " through produce (line 12)", or "" for a direct operation.
func (c *checker) through(s *site) string {
	if s.via == nil {
		return ""
	}
	if !s.via.op.Pos.IsValid() {
		return " through " + s.via.callee.Name()
	}
	return fmt.Sprintf(" through %s (line %d)", s.via.callee.Name(), c.line(s.via.op.Pos))
}

// calleeRelated points at the callee's operation for a site reached
// through a call.
func (c *checker) calleeRelated(s *site) []analysis.RelatedInformation {
	if s.via == nil || !s.via.op.Pos.IsValid() {
		return nil
	}
	return []analysis.RelatedInformation{{
		Pos:     s.via.op.Pos,
		Message: fmt.Sprintf("%s sends on %s here", s.via.callee.Name(), s.via.op.Chan),
	}}
}
